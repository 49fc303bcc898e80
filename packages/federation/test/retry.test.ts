// Retry policy and circuit breaker, driven by an explicit clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffCeiling,
  CircuitBreaker,
  FIVE_DAYS_MS,
  parseRetryAfter,
  type RetryDecision,
  retryDelay,
} from '@parley/federation';
import fc from 'fast-check';

const T0 = Date.UTC(2025, 0, 1);
const HOUR = 60 * 60 * 1000;

function delayOf(decision: RetryDecision): number {
  assert.ok('retryInMs' in decision, `expected a retry, got ${JSON.stringify(decision)}`);
  return decision.retryInMs;
}

describe('retryDelay', () => {
  test('grows monotonically (doubling) until the cap, then stays there', () => {
    const delays = Array.from({ length: 30 }, (_, i) =>
      delayOf(
        retryDelay(i + 1, new Error('down'), {
          firstAttemptAt: T0,
          now: T0,
          jitter: 'none',
          baseMs: 1000,
          capMs: HOUR,
        }),
      ),
    );
    assert.deepEqual(delays.slice(0, 5), [1000, 2000, 4000, 8000, 16000]);
    for (let i = 1; i < delays.length; i++) assert.ok((delays[i] as number) >= (delays[i - 1] as number));
    assert.equal(delays.at(-1), HOUR);
    assert.equal(Math.max(...delays), HOUR);
    assert.equal(backoffCeiling(2000, 1000, HOUR), HOUR); // no overflow for absurd attempt counts
  });

  test('full jitter stays within [0, ceiling]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = delayOf(retryDelay(attempt, null, { firstAttemptAt: T0, now: T0, random: () => r }));
          assert.ok(delay >= 0 && delay <= backoffCeiling(attempt, 1000, HOUR));
        },
      ),
    );
  });

  test('decorrelated jitter stays within [base, min(cap, 3 × previous)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 10 * HOUR }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (previousDelayMs, r) => {
          const options = {
            firstAttemptAt: T0,
            now: T0,
            jitter: 'decorrelated' as const,
            previousDelayMs,
            random: () => r,
          };
          const delay = delayOf(retryDelay(3, null, options));
          assert.ok(delay >= 1000 && delay <= Math.min(HOUR, 3 * previousDelayMs));
        },
      ),
    );
  });

  test('gives up five days after the first attempt, and pulls the last retry onto the deadline', () => {
    const options = { firstAttemptAt: T0, jitter: 'none' as const };
    assert.deepEqual(retryDelay(100, null, { ...options, now: T0 + FIVE_DAYS_MS }), {
      giveUp: true,
      reason: 'deadline',
    });
    assert.deepEqual(retryDelay(100, null, { ...options, now: T0 + FIVE_DAYS_MS + 1 }), {
      giveUp: true,
      reason: 'deadline',
    });
    assert.deepEqual(retryDelay(100, null, { ...options, now: T0 + FIVE_DAYS_MS - 10 * 60 * 1000 }), {
      retryInMs: 10 * 60 * 1000,
    });
    assert.deepEqual(retryDelay(2, null, { ...options, now: T0, giveUpAfterMs: 1500 }), { retryInMs: 1500 });
  });

  test('a whole retry schedule ends within five days and a few hours of attempts', () => {
    let now = T0;
    let attempt = 0;
    let decision: RetryDecision = { retryInMs: 0 };
    while ('retryInMs' in decision) {
      now += decision.retryInMs;
      attempt++;
      decision = retryDelay(attempt, new Error('down'), { firstAttemptAt: T0, now, random: () => 0.5 });
    }
    assert.equal(now, T0 + FIVE_DAYS_MS);
    assert.ok(attempt > 100 && attempt < 400, `${attempt} attempts`);
  });

  test('permanent failures give up at once; Retry-After is honoured', () => {
    assert.deepEqual(retryDelay(1, { permanent: true }, { firstAttemptAt: T0, now: T0 }), {
      giveUp: true,
      reason: 'permanent',
    });
    assert.deepEqual(
      retryDelay(1, { retryAfterMs: 120_000 }, { firstAttemptAt: T0, now: T0, random: () => 0 }),
      {
        retryInMs: 120_000,
      },
    );
  });

  test('attempt numbers start at 1', () => {
    assert.throws(() => retryDelay(0, null, { firstAttemptAt: T0, now: T0 }), RangeError);
  });
});

describe('CircuitBreaker', () => {
  test('closed → open after the threshold → half-open after openMs → closed on a good probe', () => {
    let clock = T0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 10_000, now: () => clock });
    const peer = 'b.example';
    assert.equal(breaker.state(peer), 'closed');
    breaker.recordFailure(peer);
    breaker.recordFailure(peer);
    assert.equal(breaker.state(peer), 'closed');
    assert.equal(breaker.allowRequest(peer), true);
    breaker.recordFailure(peer);
    assert.equal(breaker.state(peer), 'open');
    assert.equal(breaker.allowRequest(peer), false);

    clock += 9_999;
    assert.equal(breaker.allowRequest(peer), false);
    clock += 1;
    assert.equal(breaker.state(peer), 'half-open');
    assert.equal(breaker.allowRequest(peer), true); // the probe
    assert.equal(breaker.allowRequest(peer), false); // only one at a time
    breaker.recordSuccess(peer);
    assert.equal(breaker.state(peer), 'closed');
    assert.equal(breaker.allowRequest(peer), true);
  });

  test('a failed probe reopens for twice as long, up to maxOpenMs', () => {
    let clock = T0;
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      openMs: 1000,
      maxOpenMs: 3000,
      now: () => clock,
    });
    const peer = 'c.example';
    breaker.recordFailure(peer);
    for (const openFor of [1000, 2000, 3000, 3000]) {
      clock += openFor - 1;
      assert.equal(breaker.state(peer), 'open');
      clock += 1;
      assert.equal(breaker.allowRequest(peer), true);
      breaker.recordFailure(peer);
      assert.equal(breaker.state(peer), 'open');
    }
  });

  test('a success resets the failure count; peers are independent', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, now: () => T0 });
    breaker.recordFailure('a');
    breaker.recordSuccess('a');
    breaker.recordFailure('a');
    assert.equal(breaker.state('a'), 'closed');
    breaker.recordFailure('b');
    breaker.recordFailure('b');
    assert.equal(breaker.state('b'), 'open');
    assert.equal(breaker.state('a'), 'closed');
  });

  test('a probe that never reports back stops blocking after one open period', () => {
    let clock = T0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000, now: () => clock });
    breaker.recordFailure('d');
    clock += 1000;
    assert.equal(breaker.allowRequest('d'), true);
    clock += 999;
    assert.equal(breaker.allowRequest('d'), false);
    clock += 1;
    assert.equal(breaker.allowRequest('d'), true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-29T15:59:30Z');
  test('reads delay-seconds and HTTP-dates, and nothing else', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Sun, 29 Nov 2026 16:00:00 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Sun, 29 Nov 2026 15:00:00 GMT', now), 0, 'a date past means at once');
    // The obsolete forms of HTTP-date (RFC 9110, section 5.6.7), which a recipient must take too.
    const asOf1994 = Date.parse('1994-11-06T08:49:00Z');
    assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', asOf1994), 37_000);
    assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994', asOf1994), 37_000);
    for (const bad of [
      undefined,
      '',
      '-5',
      '1.5',
      '2e3',
      'soon',
      '2026-11-29T16:00:00Z',
      'Sun, 99 Nov 2026 GMT',
    ])
      assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  });
});
