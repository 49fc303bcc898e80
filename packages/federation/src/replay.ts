// A bounded memory of signatures already accepted, so a captured request cannot be played again while its
// signature is still within its validity window. Past the window the signature is refused as expired anyway,
// so the entry can go. Map iteration order is insertion order, which is close to expiry order because every
// entry lives for about the same window; the oldest entries are dropped first when the cap is reached.
// The memory starts with the cache (a process start): a signature created before then may have been accepted by
// the process before, so it is refused as a possible replay.

export interface ReplayCacheOptions {
  /** Most entries kept; the oldest are evicted beyond it. Default 100 000. */
  maxEntries?: number;
  /** Clock in milliseconds since the epoch, like Date.now (the default). */
  now?: () => number;
}

/**
 * Remembers (keyid, signature) pairs until their validity ends.
 *
 * @example
 * const cache = new ReplayCache({ maxEntries: 1000, now: () => clock });
 * cache.firstSeen('key-a', sig, clock + 300_000); // true: new, now remembered
 * cache.firstSeen('key-a', sig, clock + 300_000); // false: a replay
 */
export class ReplayCache {
  readonly #entries = new Map<string, number>();
  readonly #max: number;
  readonly #now: () => number;
  /** Whole seconds since the epoch from which on this cache remembers. */
  readonly #sinceSeconds: number;

  constructor(options: ReplayCacheOptions = {}) {
    this.#max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new RangeError('maxEntries must be at least 1');
    this.#now = options.now ?? Date.now;
    this.#sinceSeconds = Math.floor(this.#now() / 1000);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * True when this signature has not been seen within its validity (and records it until `validUntilMs`);
   * false when it is a replay, or was created (`createdSeconds`, the signature's `created`) in a whole second
   * before this cache began to remember.
   */
  firstSeen(
    keyId: string,
    signature: Uint8Array | string,
    validUntilMs: number,
    createdSeconds?: number,
  ): boolean {
    if (createdSeconds !== undefined && createdSeconds < this.#sinceSeconds) return false;
    const now = this.#now();
    this.#sweep(now);
    const sig = typeof signature === 'string' ? signature : Buffer.from(signature).toString('base64');
    const key = `${keyId.length}:${keyId}${sig}`;
    const until = this.#entries.get(key);
    if (until !== undefined && until > now) return false;
    this.#entries.delete(key);
    if (validUntilMs <= now) return true;
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, validUntilMs);
    return true;
  }

  /** Drops expired entries from the front; stops at the first live one (amortized constant time). */
  #sweep(now: number): void {
    for (const [key, until] of this.#entries) {
      if (until > now) return;
      this.#entries.delete(key);
    }
  }
}
