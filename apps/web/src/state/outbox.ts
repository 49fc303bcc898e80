// Messages waiting for this device's provider. A send that finds the provider unreachable is not lost: it stays
// here (and in the app database), is shown as "sending", and goes out when the provider answers again. A failure
// retrying cannot fix (a file too large) is kept with its reason until the person retries or discards it.
import { isTransient } from '@parley/sdk';
import { explain } from '../lib/errors.js';
import { device } from './client.js';
import { persist } from './local.js';
import { refreshRoom } from './rooms.js';
import { getState, notify, setState } from './store.js';
import type { OutboxItem } from './types.js';

let flushing = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function update(change: (items: OutboxItem[]) => OutboxItem[]): void {
  setState((s) => ({ outbox: change(s.outbox) }));
  persist('outbox');
}

async function deliver(item: OutboxItem): Promise<void> {
  const { client } = device();
  const options = item.replyTo ? { replyTo: item.replyTo } : {};
  if (item.file) await client.sendFile(item.room, item.file, { ...options, text: item.text });
  else await client.send(item.room, item.text, options);
}

/** Sends one item; true when it is out of the outbox (sent, or failed for good). */
async function attempt(item: OutboxItem): Promise<boolean> {
  try {
    await deliver(item);
    update((items) => items.filter((i) => i.localId !== item.localId));
    setState({ online: true });
    refreshRoom(item.room);
    return true;
  } catch (error) {
    if (isTransient(error)) {
      setState({ online: false });
      return false;
    }
    const reason = explain(error);
    update((items) => items.map((i) => (i.localId === item.localId ? { ...i, failed: reason } : i)));
    notify('error', reason);
    return true;
  }
}

const next = () => getState().outbox.find((i) => !i.failed);

/** Sends whatever waits, in order; when the provider does not answer, tries again a few seconds later. */
export function flushOutbox(): void {
  if (flushing) return;
  flushing = true;
  clearTimeout(retryTimer);
  void (async () => {
    try {
      // Items queued meanwhile are picked up too: each round takes the oldest one still waiting.
      for (let item = next(); item; item = next()) {
        if (!(await attempt(item))) {
          retryTimer = setTimeout(flushOutbox, 3000);
          return;
        }
      }
    } finally {
      flushing = false;
    }
  })();
}

/** Queues a message (text, or a file with an optional caption) and starts sending it. */
export function enqueue(item: Omit<OutboxItem, 'localId' | 'createdAt'>): void {
  const full: OutboxItem = { ...item, localId: crypto.randomUUID(), createdAt: Date.now() };
  update((items) => [...items, full]);
  flushOutbox();
}

export function retry(localId: string): void {
  update((items) =>
    items.map((i) => {
      if (i.localId !== localId) return i;
      const { failed: _, ...rest } = i;
      return rest;
    }),
  );
  flushOutbox();
}

export function discard(localId: string): void {
  update((items) => items.filter((i) => i.localId !== localId));
}

window.addEventListener('online', () => flushOutbox());
