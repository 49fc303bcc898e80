// Delivery retry policy, like SMTP: exponential backoff with jitter and a cap, giving up days after the first
// attempt; and a circuit breaker per peer so a provider that is down is probed rather than hammered.
// Both take the clock as input, so tests and the outbox replay them exactly.

export const FIVE_DAYS_MS = 5 * 24 * 60 * 60 * 1000;

export interface RetryOptions {
  /** When the first delivery attempt was made, ms since the epoch. */
  firstAttemptAt: number;
  /** The current time, ms since the epoch. */
  now: number;
  /** Delay ceiling after the first failure. Default 1 s. */
  baseMs?: number;
  /** Largest delay. Default 1 hour. */
  capMs?: number;
  /** Give up this long after the first attempt. Default 5 days. */
  giveUpAfterMs?: number;
  /** `full`: uniform in [0, ceiling). `decorrelated`: uniform in [base, 3 × previous delay), capped. Default full. */
  jitter?: 'full' | 'decorrelated' | 'none';
  /** The delay chosen last time; decorrelated jitter grows from it. Default baseMs. */
  previousDelayMs?: number;
  /** Uniform in [0, 1). Default Math.random. */
  random?: () => number;
}

export type RetryDecision = { retryInMs: number } | { giveUp: true; reason: 'deadline' | 'permanent' };

/** What the retry policy reads from the last error, when it is an object: the caller classifies failures. */
export interface DeliveryFailure {
  /** The peer refused for good (e.g. 4xx other than 408/425/429): retrying cannot help. */
  permanent?: boolean;
  /** The peer asked us to wait at least this long (Retry-After). */
  retryAfterMs?: number;
}

/**
 * The exponential delay ceiling for an attempt number (1 = after the first failure): base × 2^(attempt−1),
 * capped. Non-decreasing in `attempt`.
 *
 * @example
 * backoffCeiling(3, 1000, 60_000); // 4000
 */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/**
 * When to retry delivery after `attempt` failed attempts, or to give up: on a permanent failure, or once
 * `giveUpAfterMs` has passed since `firstAttemptAt`. The last retry is pulled in to land on the deadline.
 *
 * @example
 * retryDelay(1, new Error('ECONNREFUSED'), { firstAttemptAt: t0, now: t0 + 50 }); // { retryInMs: 0..1000 }
 * retryDelay(9, err, { firstAttemptAt: t0, now: t0 + FIVE_DAYS_MS }); // { giveUp: true, reason: 'deadline' }
 */
export function retryDelay(attempt: number, lastError: unknown, options: RetryOptions): RetryDecision {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt counts failures, from 1');
  const baseMs = options.baseMs ?? 1000;
  const capMs = options.capMs ?? 60 * 60 * 1000;
  const random = options.random ?? Math.random;
  const failure = (typeof lastError === 'object' && lastError !== null ? lastError : {}) as DeliveryFailure;
  if (failure.permanent === true) return { giveUp: true, reason: 'permanent' };

  const deadline = options.firstAttemptAt + (options.giveUpAfterMs ?? FIVE_DAYS_MS);
  if (options.now >= deadline) return { giveUp: true, reason: 'deadline' };

  let delay: number;
  switch (options.jitter ?? 'full') {
    case 'none':
      delay = backoffCeiling(attempt, baseMs, capMs);
      break;
    case 'full':
      delay = random() * backoffCeiling(attempt, baseMs, capMs);
      break;
    case 'decorrelated': {
      const previous = Math.max(baseMs, options.previousDelayMs ?? baseMs);
      delay = Math.min(capMs, baseMs + random() * (previous * 3 - baseMs));
      break;
    }
  }
  if (typeof failure.retryAfterMs === 'number' && failure.retryAfterMs > delay) delay = failure.retryAfterMs;
  return { retryInMs: Math.round(Math.min(delay, deadline - options.now)) };
}

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]+day, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * How long a `Retry-After` header (RFC 9110, section 10.2.3) asks to wait, in ms from `now`: delay-seconds (a
 * non-negative whole number) or an HTTP-date (a date in the past means at once). Undefined when absent or not
 * one of the two.
 *
 * @example
 * parseRetryAfter('120', now); // 120000
 * parseRetryAfter('Sun, 29 Nov 2026 16:00:00 GMT', Date.parse('2026-11-29T15:59:30Z')); // 30000
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // The three forms of HTTP-date a recipient must take (RFC 9110, section 5.6.7); anything else Date.parse might
  // read is not one. asctime's carries no zone: it is GMT too.
  let date: string;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) date = text;
  else if (ASCTIME_DATE.test(text)) date = `${text} GMT`;
  else return undefined;
  const at = Date.parse(date);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit first stays open before a probe. Default 30 s; doubles after each failed probe. */
  openMs?: number;
  /** Longest open period. Default 1 hour. */
  maxOpenMs?: number;
  /** Clock in ms since the epoch. Default Date.now. */
  now?: () => number;
}

interface PeerState {
  failures: number;
  openUntil?: number;
  openFor: number;
  probeSince?: number;
}

/**
 * A circuit breaker per peer: closed until `failureThreshold` consecutive failures, then open (no requests)
 * for `openMs`; then half-open, letting one probe through; the probe's success closes it, its failure opens
 * it again for twice as long (up to `maxOpenMs`).
 *
 * @example
 * const breaker = new CircuitBreaker({ now: () => clock });
 * if (breaker.allowRequest('b.example')) {
 *   try { await deliver(); breaker.recordSuccess('b.example'); } catch { breaker.recordFailure('b.example'); }
 * }
 */
export class CircuitBreaker {
  readonly #peers = new Map<string, PeerState>();
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #maxOpenMs: number;
  readonly #now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#openMs = options.openMs ?? 30_000;
    this.#maxOpenMs = Math.max(this.#openMs, options.maxOpenMs ?? 60 * 60 * 1000);
    this.#now = options.now ?? Date.now;
  }

  state(peer: string): CircuitState {
    const s = this.#peers.get(peer);
    if (s?.openUntil === undefined) return 'closed';
    return this.#now() < s.openUntil ? 'open' : 'half-open';
  }

  /** Whether to send to this peer now; in half-open state only one probe at a time is let through. */
  allowRequest(peer: string): boolean {
    const state = this.state(peer);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const s = this.#peers.get(peer) as PeerState;
    const now = this.#now();
    // A probe that never reported back (crash, lost promise) stops blocking after one open period.
    if (s.probeSince !== undefined && now - s.probeSince < s.openFor) return false;
    s.probeSince = now;
    return true;
  }

  recordSuccess(peer: string): void {
    this.#peers.delete(peer);
  }

  recordFailure(peer: string): void {
    const now = this.#now();
    const s = this.#peers.get(peer) ?? { failures: 0, openFor: this.#openMs };
    s.failures++;
    if (s.openUntil !== undefined && s.probeSince !== undefined) {
      s.openFor = Math.min(this.#maxOpenMs, s.openFor * 2);
      s.openUntil = now + s.openFor;
      s.probeSince = undefined;
    } else if (s.openUntil === undefined && s.failures >= this.#threshold) {
      s.openUntil = now + s.openFor;
    }
    this.#peers.set(peer, s);
  }
}
