// Messages of every room on this device that contain the words searched for, newest first.
import { href } from '../lib/route.js';
import { roomTitle } from '../state/rooms.js';
import { useAppState } from '../state/store.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { fullTime } from '../ui/time.js';

export function SearchResults({ query }: { query: string }) {
  const s = useAppState();
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits = Object.entries(s.histories)
    .flatMap(([room, history]) => history.map((m) => ({ room, m })))
    .filter(({ m }) => {
      const text = `${m.text} ${m.attachment?.filename ?? ''}`.toLowerCase();
      return !m.deleted && words.every((w) => text.includes(w));
    })
    .sort((a, b) => b.m.ts - a.m.ts)
    .slice(0, 100);
  return (
    <section class="panel" aria-labelledby="search-title">
      <PaneHeader id="search-title" title={`Search: ${query}`} />
      <div class="panel-body">
        {hits.length === 0 ? (
          <p class="muted">No messages on this device contain “{query}”.</p>
        ) : (
          <ul class="search-results" aria-label="Search results">
            {hits.map(({ room, m }) => (
              <li key={m.id}>
                <a href={href({ view: 'chat', room })} class="search-hit">
                  <span class="small">
                    <strong>{roomTitle(room)}</strong> · {m.sender === s.me ? 'You' : m.sender} ·{' '}
                    <span class="muted">{fullTime(m.ts)}</span>
                  </span>
                  <span>{m.text || m.attachment?.filename}</span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
