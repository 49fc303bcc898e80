// The slice of the IndexedDB API the browser store uses, typed here so that the SDK core type-checks without the
// DOM library (the rest of the SDK also runs on Node). Browsers' own objects fit these shapes.

export interface IdbRequest<T = unknown> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((event: { oldVersion: number }) => void) | null;
  onblocked: ((event: unknown) => void) | null;
}

export interface IdbKeyRangeStatic {
  bound(lower: unknown, upper: unknown, lowerOpen?: boolean, upperOpen?: boolean): unknown;
  only(value: unknown): unknown;
}

export interface IdbIndex {
  getAll(query?: unknown): IdbRequest<unknown[]>;
}

export interface IdbObjectStore {
  get(key: unknown): IdbRequest<unknown>;
  getAll(query?: unknown): IdbRequest<unknown[]>;
  getAllKeys(query?: unknown): IdbRequest<unknown[]>;
  put(value: unknown, key?: unknown): IdbRequest<unknown>;
  delete(key: unknown): IdbRequest<undefined>;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: string | string[], options?: { unique?: boolean }): IdbIndex;
}

export interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  abort(): void;
  readonly error: unknown;
  oncomplete: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
}

export interface IdbDatabase {
  transaction(
    stores: string | string[],
    mode?: 'readonly' | 'readwrite',
    options?: { durability?: 'default' | 'strict' | 'relaxed' },
  ): IdbTransaction;
  createObjectStore(name: string, options?: { keyPath?: string | string[] }): IdbObjectStore;
  close(): void;
  onversionchange: ((event: unknown) => void) | null;
}

export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
  deleteDatabase(name: string): IdbRequest<undefined> & { onblocked: ((event: unknown) => void) | null };
}

interface IdbGlobals {
  indexedDB?: IdbFactory;
  IDBKeyRange?: IdbKeyRangeStatic;
}

/** The browser's IndexedDB factory and key-range class; throws where there is none (Node). */
export function idbGlobals(): { factory: IdbFactory; KeyRange: IdbKeyRangeStatic } {
  const g = globalThis as unknown as IdbGlobals;
  if (!g.indexedDB || !g.IDBKeyRange) throw new Error('IndexedDB is not available here');
  return { factory: g.indexedDB, KeyRange: g.IDBKeyRange };
}

/** Resolves with a request's result, or rejects with its error. */
export function done<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when a transaction has committed; rejects when it aborts. */
export function committed(tx: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}
