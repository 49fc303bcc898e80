// A message still in the outbox: shown as "Sending…" while the provider does not answer, or with the reason it
// could not be sent and the choice to retry or discard it.
import { discard, retry } from '../state/outbox.js';
import type { OutboxItem } from '../state/types.js';
import { Icon } from '../ui/Icon.js';
import { Markdown } from '../ui/markdown.js';

export function PendingItem({ item }: { item: OutboxItem }) {
  return (
    <li class="message mine pending" data-local-id={item.localId}>
      <div class="bubble">
        <div class="message-meta small">
          <span class="sender">You</span>
        </div>
        {item.text ? <Markdown text={item.text} /> : null}
        {item.file ? (
          <p class="file-chip">
            <Icon name="file" /> {item.file.name}
          </p>
        ) : null}
        {item.failed ? (
          <div class="pending-failed" role="alert">
            <span class="small">Not sent: {item.failed}</span>
            <div class="row">
              <button type="button" onClick={() => retry(item.localId)}>
                Retry
              </button>
              <button type="button" onClick={() => discard(item.localId)}>
                Discard
              </button>
            </div>
          </div>
        ) : (
          <span class="status small status-sending">Sending…</span>
        )}
      </div>
    </li>
  );
}
