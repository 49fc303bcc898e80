// The one ParleyClient of this tab and the IndexedDB store it keeps its device in. Everything else reaches the
// SDK through `device()`.
import { IndexedDbStore, ParleyClient } from '@parley/sdk';

/** The SDK's database: account, keys, MLS group states, message index. */
export const DEVICE_DB = 'parley-device';

let current: { client: ParleyClient; store: IndexedDbStore } | undefined;

/** Opens the device database and a client over it (not signed in yet). */
export async function openDevice(): Promise<{ client: ParleyClient; store: IndexedDbStore }> {
  const store = await IndexedDbStore.open(DEVICE_DB);
  current = { client: new ParleyClient({ store }), store };
  return current;
}

export function device(): { client: ParleyClient; store: IndexedDbStore } {
  if (!current) throw new Error('the device is not open yet');
  return current;
}

/** Closes the client and deletes the device database (signing out). */
export async function eraseDevice(): Promise<void> {
  if (current) {
    await current.client.close().catch(() => {});
    await current.store.close();
    current = undefined;
  }
  await IndexedDbStore.remove(DEVICE_DB);
}
