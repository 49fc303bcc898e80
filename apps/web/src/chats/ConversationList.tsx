// The conversations, newest first: title, last message, time and unread count.
import { href, useRoute } from '../lib/route.js';
import { useAppState } from '../state/store.js';
import { summaries } from '../state/summaries.js';
import { Avatar } from '../ui/Avatar.js';
import { Badge } from '../ui/Badge.js';
import { shortTime } from '../ui/time.js';

export function ConversationList() {
  const s = useAppState();
  const route = useRoute();
  const open = route.view === 'chat' || route.view === 'info' ? route.room : undefined;
  const list = summaries(s);
  if (list.length === 0) return <p class="muted list-empty">No conversations yet.</p>;
  return (
    <ul class="conversations" aria-label="Conversations">
      {list.map((c) => (
        <li key={c.id}>
          <a
            href={href({ view: 'chat', room: c.id })}
            class={`conversation${c.id === open ? ' open' : ''}${c.active ? '' : ' inactive'}`}
            aria-current={c.id === open ? 'page' : undefined}
          >
            <Avatar user={c.title} size={40} />
            <span class="conversation-text">
              <span class="conversation-top">
                <span class="conversation-title">
                  {c.kind === 'group' ? <span aria-hidden="true">#&nbsp;</span> : null}
                  {c.title}
                </span>
                {c.last ? <time class="muted small">{shortTime(c.last.ts)}</time> : null}
              </span>
              <span class="conversation-bottom">
                <span class="conversation-last muted">
                  {c.last
                    ? `${c.last.sender === s.me ? 'You: ' : ''}${c.last.text}`
                    : c.active
                      ? 'No messages yet'
                      : 'You left'}
                </span>
                {c.unread > 0 ? <Badge count={c.unread} label={`${c.unread} unread`} /> : null}
              </span>
            </span>
          </a>
        </li>
      ))}
    </ul>
  );
}
