// One conversation: its header, its messages, who is typing, and the composer. Reply and edit are states of the
// composer, set from a message's actions.
import { useEffect, useState } from 'preact/hooks';
import { markVisibleRoomRead } from '../state/reading.js';
import { useAppState } from '../state/store.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { Composer, type ComposerMode } from './Composer.js';
import { MessageList } from './MessageList.js';
import { RoomHeader } from './RoomHeader.js';
import { TypingIndicator } from './TypingIndicator.js';

export function RoomView({ room }: { room: string }) {
  const s = useAppState();
  const record = s.rooms[room];
  const [mode, setMode] = useState<ComposerMode>({ kind: 'new' });
  const history = s.histories[room];

  useEffect(() => {
    markVisibleRoomRead();
    const onVisible = () => markVisibleRoomRead();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [room, history]);

  if (!record)
    return (
      <section class="panel">
        <PaneHeader title="Conversation" />
        <p class="panel-body muted">This conversation is not on this device.</p>
      </section>
    );

  return (
    <section class="room" aria-label={`Conversation`}>
      <RoomHeader room={room} />
      <MessageList
        room={room}
        onReply={(id) => setMode({ kind: 'reply', id })}
        onEdit={(id, text) => setMode({ kind: 'edit', id, text })}
      />
      <TypingIndicator room={room} />
      {record.active ? (
        <Composer room={room} mode={mode} onDone={() => setMode({ kind: 'new' })} />
      ) : (
        <p class="room-closed muted">You are no longer in this conversation.</p>
      )}
    </section>
  );
}
