// The open conversation's messages, oldest first, then what still waits in the outbox. Stays scrolled to the
// newest message while the person is at the bottom.
import type { HistoryEntry } from '@parley/sdk';
import { useEffect, useRef } from 'preact/hooks';
import { useAppState } from '../state/store.js';
import { MessageItem, type Status } from './MessageItem.js';
import { PendingItem } from './PendingItem.js';

function statusOf(m: HistoryEntry, readers: Record<string, number>): Status {
  if (m.seq === 0) return 'sending';
  return Object.values(readers).some((seq) => seq >= m.seq) ? 'read' : 'sent';
}

export function MessageList(props: {
  room: string;
  onReply: (id: string) => void;
  onEdit: (id: string, text: string) => void;
}) {
  const s = useAppState();
  const history = s.histories[props.room] ?? [];
  const pending = s.outbox.filter((o) => o.room === props.room);
  const readers = s.receipts[props.room] ?? {};
  const byId = new Map(history.map((m) => [m.id, m]));
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [history.length, pending.length, pending.filter((p) => p.failed).length, props.room]);

  return (
    <div
      class="messages-scroll"
      ref={box}
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      {history.length === 0 && pending.length === 0 ? (
        <p class="muted messages-empty">
          No messages yet. Say hello — only the people in this chat can read it.
        </p>
      ) : null}
      <ul class="messages" aria-label="Messages">
        {history.map((m) => (
          <MessageItem
            key={m.id}
            room={props.room}
            entry={m}
            mine={m.sender === s.me}
            me={s.me ?? ''}
            status={statusOf(m, readers)}
            {...(m.replyTo ? { quoted: byId.get(m.replyTo) } : {})}
            onReply={props.onReply}
            onEdit={props.onEdit}
          />
        ))}
        {pending.map((item) => (
          <PendingItem key={item.localId} item={item} />
        ))}
      </ul>
    </div>
  );
}
