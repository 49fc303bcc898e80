// The replay cache: remembers until validity ends, bounded, oldest evicted first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayCache } from '@parley/federation';

const sig = (n: number) => new Uint8Array(64).fill(n);

test('a signature is refused while valid and forgotten once its window has passed', () => {
  let clock = 1_000;
  const cache = new ReplayCache({ now: () => clock });
  assert.equal(cache.firstSeen('k', sig(1), 2_000), true);
  assert.equal(cache.firstSeen('k', sig(1), 2_000), false);
  assert.equal(cache.firstSeen('other-key', sig(1), 2_000), true); // keyed by (keyid, signature)
  clock = 2_000;
  assert.equal(cache.firstSeen('k', sig(2), 3_000), true);
  assert.equal(cache.size, 1); // both entries that ended at 2000 were swept
});

test('an already-expired signature is not stored', () => {
  const cache = new ReplayCache({ now: () => 5_000 });
  assert.equal(cache.firstSeen('k', sig(1), 5_000), true);
  assert.equal(cache.size, 0);
});

test('bounded: beyond maxEntries the oldest entry is evicted', () => {
  const cache = new ReplayCache({ maxEntries: 3, now: () => 0 });
  for (let i = 0; i < 4; i++) assert.equal(cache.firstSeen('k', sig(i), 10_000), true);
  assert.equal(cache.size, 3);
  assert.equal(cache.firstSeen('k', sig(3), 10_000), false); // newest still remembered
  assert.equal(cache.firstSeen('k', sig(0), 10_000), true); // oldest was evicted
});

test('key ids cannot be confused with signature text', () => {
  const cache = new ReplayCache({ now: () => 0 });
  assert.equal(cache.firstSeen('ab', 'c', 10), true);
  assert.equal(cache.firstSeen('a', 'bc', 10), true);
});

test('a signature created before the cache began to remember is refused: an earlier process may have taken it', () => {
  const started = 1_700_000_000_500; // ms, half-way through a second
  const cache = new ReplayCache({ now: () => started });
  const second = Math.floor(started / 1000);
  assert.equal(cache.firstSeen('k', sig(1), started + 60_000, second - 1), false);
  assert.equal(cache.size, 0, 'nothing stored for it');
  assert.equal(
    cache.firstSeen('k', sig(2), started + 60_000, second),
    true,
    'the second it started in passes',
  );
  assert.equal(cache.firstSeen('k', sig(3), started + 60_000), true, 'without a creation time: as before');
});
