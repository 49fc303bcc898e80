// The app's own small database, beside the SDK's: what the person did in this browser that the protocol does not
// carry — how far they read each room, whom they verified, who read what, messages waiting to be sent, drafts.
// One key-value object store; values are structured clones.

const NAME = 'parley-app';
let opening: Promise<IDBDatabase> | undefined;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function db(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(NAME, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('kv');
    r.onsuccess = () => {
      r.result.onversionchange = () => {
        r.result.close();
        opening = undefined;
      };
      resolve(r.result);
    };
    r.onerror = () => reject(r.error);
  });
  return opening;
}

export async function load<T>(key: string): Promise<T | undefined> {
  const store = (await db()).transaction('kv', 'readonly').objectStore('kv');
  return (await request(store.get(key))) as T | undefined;
}

export async function save(key: string, value: unknown): Promise<void> {
  const store = (await db()).transaction('kv', 'readwrite').objectStore('kv');
  await request(store.put(value, key));
}

export async function forget(key: string): Promise<void> {
  const store = (await db()).transaction('kv', 'readwrite').objectStore('kv');
  await request(store.delete(key));
}

/** Deletes everything the app kept (signing out). */
export async function clearAll(): Promise<void> {
  const store = (await db()).transaction('kv', 'readwrite').objectStore('kv');
  await request(store.clear());
}
