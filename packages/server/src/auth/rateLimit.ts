/**
 * Token buckets keyed by whatever the caller chooses (client address, handle). In memory, bounded: the oldest
 * keys are forgotten first when the table is full, which only ever errs towards letting a request through.
 */
export interface BucketConfig {
  capacity: number;
  perMinute: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly config: BucketConfig,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token; answers how long to wait (ms) when there is none. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    const refillPerMs = this.config.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.config.capacity, at: now };
    bucket.tokens = Math.min(this.config.capacity, bucket.tokens + (now - bucket.at) * refillPerMs);
    bucket.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    const retryAfterMs = refillPerMs > 0 ? Math.ceil((1 - bucket.tokens) / refillPerMs) : 3_600_000;
    return { ok: false, retryAfterMs };
  }
}
