// A Store in the browser's IndexedDB: one database per device, one object store per kind of record. Records are
// kept by structured clone (bytes stay Uint8Arrays); every `write` is one readwrite transaction over all stores
// with `strict` durability, the counterpart of SqliteStore's synchronous=FULL: a group state that rolled back
// after a message went out would make the device reuse a ratchet key.
import type {
  AccountRecord,
  KeyPackageRecord,
  MessageRecord,
  RoomRecord,
  Store,
  StoreBatch,
} from '../store/types.js';
import {
  committed,
  done,
  type IdbDatabase,
  type IdbKeyRangeStatic,
  type IdbObjectStore,
  idbGlobals,
} from './idb.js';

const VERSION = 1;
const STORES = [
  'account',
  'rooms',
  'groups',
  'positions',
  'keyPackages',
  'messages',
  'identityKeys',
] as const;
type StoreName = (typeof STORES)[number];

function upgrade(db: IdbDatabase): void {
  db.createObjectStore('account');
  db.createObjectStore('rooms', { keyPath: 'id' });
  db.createObjectStore('groups');
  db.createObjectStore('positions');
  db.createObjectStore('keyPackages', { keyPath: 'ref' });
  const messages = db.createObjectStore('messages', { keyPath: 'id' });
  // Within one [room, seq] key, entries come in primary-key (id) order: the same order SqliteStore gives.
  messages.createIndex('byRoom', ['room', 'seq']);
  db.createObjectStore('identityKeys');
}

/**
 * A {@link Store} in IndexedDB, for browser clients: MLS state, keys and the message index survive reloads and
 * browser restarts. One database per device; `IndexedDbStore.remove(name)` deletes it (signing out).
 *
 * @example
 * const store = await IndexedDbStore.open('parley');
 * const client = new ParleyClient({ store });
 * if (!(await client.resume())) await client.register({ server: location.origin, handle, password });
 */
export class IndexedDbStore implements Store {
  private constructor(
    private readonly db: IdbDatabase,
    private readonly KeyRange: IdbKeyRangeStatic,
  ) {}

  static async open(name: string): Promise<IndexedDbStore> {
    const { factory, KeyRange } = idbGlobals();
    const request = factory.open(name, VERSION);
    request.onupgradeneeded = (event) => {
      if (event.oldVersion < 1) upgrade(request.result);
    };
    const db = await done(request);
    // Another tab upgrading or deleting the database: let it, this connection is done.
    db.onversionchange = () => db.close();
    return new IndexedDbStore(db, KeyRange);
  }

  /**
   * Deletes a device's database (after `close()` of every store open on it).
   *
   * @example
   * await store.close(); await IndexedDbStore.remove('parley');
   */
  static async remove(name: string): Promise<void> {
    const { factory } = idbGlobals();
    await done(factory.deleteDatabase(name));
  }

  private async read<T>(name: StoreName, use: (store: IdbObjectStore) => ReturnType<IdbObjectStore['get']>) {
    const tx = this.db.transaction(name, 'readonly');
    return (await done(use(tx.objectStore(name)))) as T;
  }

  async account() {
    return this.read<AccountRecord | undefined>('account', (s) => s.get('me'));
  }
  async room(id: string) {
    return this.read<RoomRecord | undefined>('rooms', (s) => s.get(id));
  }
  async rooms() {
    return this.read<RoomRecord[]>('rooms', (s) => s.getAll());
  }
  async group(room: string) {
    return this.read<Uint8Array | undefined>('groups', (s) => s.get(room));
  }
  async positions() {
    const store = this.db.transaction('positions', 'readonly').objectStore('positions');
    // Both requests are made before either is awaited: the transaction must not finish in between.
    const [seqs, rooms] = await Promise.all([done(store.getAll()), done(store.getAllKeys())]);
    return Object.fromEntries(rooms.map((room, i) => [String(room), Number(seqs[i] ?? 0)]));
  }
  async keyPackage(ref: string) {
    return this.read<KeyPackageRecord | undefined>('keyPackages', (s) => s.get(ref));
  }
  async message(id: string) {
    return this.read<MessageRecord | undefined>('messages', (s) => s.get(id));
  }
  async messages(room: string) {
    const range = this.KeyRange.bound([room, -Infinity], [room, Infinity]);
    return this.read<MessageRecord[]>('messages', (s) => s.index('byRoom').getAll(range));
  }
  async queued(room: string) {
    return this.read<MessageRecord[]>('messages', (s) =>
      s.index('byRoom').getAll(this.KeyRange.only([room, 0])),
    );
  }
  async identityKey(userUri: string) {
    return this.read<Uint8Array | undefined>('identityKeys', (s) => s.get(userUri));
  }

  async write(batch: StoreBatch): Promise<void> {
    const tx = this.db.transaction([...STORES], 'readwrite', { durability: 'strict' });
    const finished = committed(tx);
    try {
      const store = (name: StoreName) => tx.objectStore(name);
      if (batch.account) store('account').put(batch.account, 'me');
      for (const room of batch.rooms ?? []) store('rooms').put(room);
      for (const { room, state } of batch.groups ?? []) {
        if (state === null) store('groups').delete(room);
        else store('groups').put(state, room);
      }
      for (const { room, seq } of batch.positions ?? []) {
        // Read and write in the same transaction: positions only move forward.
        const positions = store('positions');
        const current = positions.get(room);
        current.onsuccess = () => {
          positions.put(Math.max(seq, (current.result as number | undefined) ?? 0), room);
        };
      }
      for (const kp of batch.keyPackages ?? []) store('keyPackages').put(kp);
      for (const ref of batch.deleteKeyPackages ?? []) store('keyPackages').delete(ref);
      for (const m of batch.messages ?? []) store('messages').put(m);
      for (const { userUri, key } of batch.identityKeys ?? []) store('identityKeys').put(key, userUri);
    } catch (error) {
      // A value that cannot be stored (a clone error) fails the whole batch, not half of it.
      tx.abort();
      await finished.catch(() => {});
      throw error;
    }
    await finished;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
