// What the app keeps in its own database, loaded at sign-in and written back as it changes.
import { load, save } from './appDb.js';
import { getState, setState } from './store.js';
import type { AppState, OutboxItem } from './types.js';

type Kept = 'lastRead' | 'receipts' | 'verified' | 'outbox';

export async function loadLocal(): Promise<void> {
  const [lastRead, receipts, verified, outbox] = await Promise.all([
    load<AppState['lastRead']>('lastRead'),
    load<AppState['receipts']>('receipts'),
    load<AppState['verified']>('verified'),
    load<OutboxItem[]>('outbox'),
  ]);
  setState({
    lastRead: lastRead ?? {},
    receipts: receipts ?? {},
    verified: verified ?? {},
    outbox: outbox ?? [],
  });
}

const pending = new Set<Kept>();

/** Writes one part of the state to the app database, after the changes of this moment. */
export function persist(key: Kept): void {
  if (pending.has(key)) return;
  pending.add(key);
  setTimeout(() => {
    pending.delete(key);
    save(key, getState()[key]).catch((error) => console.warn('could not save', key, error));
  }, 50);
}
