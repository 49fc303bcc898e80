// A message's reactions, one chip per emoji with its count. Pressing a chip adds the same reaction, or takes
// back one's own.
import type { HistoryEntry } from '@parley/sdk';
import { explain } from '../lib/errors.js';
import { react, unreact } from '../state/actions.js';
import { notify } from '../state/store.js';

export function Reactions({ room, entry, me }: { room: string; entry: HistoryEntry; me: string }) {
  if (entry.reactions.length === 0) return null;
  const groups = new Map<string, { count: number; mine?: string; who: string[] }>();
  for (const r of entry.reactions) {
    const g = groups.get(r.reaction) ?? { count: 0, who: [] };
    g.count++;
    g.who.push(r.sender === me ? 'you' : r.sender);
    if (r.sender === me) g.mine = r.id;
    groups.set(r.reaction, g);
  }
  const toggle = (emoji: string, mine: string | undefined) =>
    (mine ? unreact(room, mine) : react(room, entry.id, emoji)).catch((e) => notify('error', explain(e)));
  return (
    <div class="reactions">
      {[...groups].map(([emoji, g]) => (
        <button
          key={emoji}
          type="button"
          class={`reaction${g.mine ? ' mine' : ''}`}
          aria-pressed={g.mine ? 'true' : 'false'}
          title={g.who.join(', ')}
          aria-label={`${emoji} ${g.count}, from ${g.who.join(', ')}`}
          onClick={() => toggle(emoji, g.mine)}
        >
          {emoji} {g.count}
        </button>
      ))}
    </div>
  );
}
