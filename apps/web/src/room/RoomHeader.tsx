// A conversation's title bar: its name, who is in it and where, the verified mark for a direct chat, and the way
// to its details (members, safety numbers, name).
import { href } from '../lib/route.js';
import { roomTitle } from '../state/rooms.js';
import { useAppState } from '../state/store.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { VerifiedMark } from './VerifiedMark.js';

export function RoomHeader({ room }: { room: string }) {
  const s = useAppState();
  const record = s.rooms[room]!;
  const others = record.members.filter((m) => m !== s.me);
  const providers = [...new Set(record.members.map((m) => m.split('@')[1]))];
  const title = roomTitle(room);
  return (
    <PaneHeader
      title={
        <span class="room-title">
          <span>{title}</span>
          {record.kind === 'direct' && others[0] ? <VerifiedMark user={others[0]} /> : null}
          <span class="room-sub muted small">
            {record.kind === 'group' ? `${record.members.length} members · ` : ''}
            {providers.join(', ')} · end-to-end encrypted
          </span>
        </span>
      }
    >
      <a class="button" href={href({ view: 'info', room })}>
        Details
      </a>
    </PaneHeader>
  );
}
