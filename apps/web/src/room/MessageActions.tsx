// What can be done with a message: reply, react (a small picker), and for one's own messages edit and delete
// (delete asks once more). Plain buttons: reachable with Tab, shown on hover or focus.
import type { HistoryEntry } from '@parley/sdk';
import { useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { deleteMessage, react } from '../state/actions.js';
import { notify } from '../state/store.js';

export const EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

export function MessageActions(props: {
  room: string;
  entry: HistoryEntry;
  mine: boolean;
  onReply: (id: string) => void;
  onEdit: (id: string, text: string) => void;
}) {
  const [open, setOpen] = useState<'react' | 'delete' | undefined>();
  const m = props.entry;
  const sending = m.seq === 0;
  const run = (work: Promise<unknown>) => {
    setOpen(undefined);
    work.catch((e) => notify('error', explain(e)));
  };

  return (
    <div class={`message-actions${open ? ' open' : ''}`}>
      {open === 'react' ? (
        <fieldset class="picker">
          <legend class="visually-hidden">Reactions</legend>
          {EMOJI.map((emoji) => (
            <button
              key={emoji}
              type="button"
              class="ghost"
              aria-label={`React with ${emoji}`}
              onClick={() => run(react(props.room, m.id, emoji))}
            >
              {emoji}
            </button>
          ))}
          <button type="button" class="ghost" onClick={() => setOpen(undefined)}>
            Cancel
          </button>
        </fieldset>
      ) : open === 'delete' ? (
        <fieldset class="picker">
          <legend class="visually-hidden">Delete this message for everyone?</legend>
          <button type="button" class="danger" onClick={() => run(deleteMessage(props.room, m.id))}>
            Delete for everyone
          </button>
          <button type="button" onClick={() => setOpen(undefined)}>
            Keep
          </button>
        </fieldset>
      ) : (
        <>
          <button type="button" class="ghost" onClick={() => props.onReply(m.id)}>
            Reply
          </button>
          <button type="button" class="ghost" aria-expanded="false" onClick={() => setOpen('react')}>
            React
          </button>
          {props.mine && !sending ? (
            <>
              <button type="button" class="ghost" onClick={() => props.onEdit(m.id, m.text)}>
                Edit
              </button>
              <button type="button" class="ghost" onClick={() => setOpen('delete')}>
                Delete
              </button>
            </>
          ) : null}
        </>
      )}
    </div>
  );
}
