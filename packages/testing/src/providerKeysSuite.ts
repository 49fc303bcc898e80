/**
 * The provider signing keys part of the shared storage suite (called from storageSuite.ts, so SQLite in memory, a SQLite file and
 * PostgreSQL all run it): get-or-create, validity, rotation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ProviderKeyRecord, Storage } from '@parley/server';

const DAY = 24 * 3600 * 1000;

function key(createdAt: number, notAfter = createdAt + 90 * DAY): ProviderKeyRecord {
  const id = randomBytes(8).toString('hex');
  return {
    keyId: `kid-${id}`,
    privateJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: id, d: `secret-${id}` }),
    publicJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: id }),
    createdAt,
    notAfter,
  };
}

export function providerKeysSuite(storage: () => Storage): void {
  describe('provider signing keys', () => {
    // Each case works in its own stretch of time, so keys of one case are expired in the next.
    let era = 1_000_000 * DAY;
    const nextEra = () => {
      era += 1000 * DAY;
      return era;
    };

    it('creates the active key once and returns it afterwards, private half included', async () => {
      const s = storage();
      const t = nextEra();
      const first = key(t);
      let made = 0;
      const fresh = () => {
        made++;
        return first;
      };
      assert.deepEqual(await s.providerKeys.active(t, fresh), first);
      assert.deepEqual(await s.providerKeys.active(t + 1000, fresh), first);
      assert.equal(made, 1);
      assert.deepEqual(await s.providerKeys.list(t + 1000), [first]);
    });

    it('makes a new key once the active one has expired, and lists only valid keys', async () => {
      const s = storage();
      const t = nextEra();
      const old = key(t, t + DAY);
      await s.providerKeys.active(t, () => old);
      const later = key(t + 2 * DAY);
      assert.deepEqual(await s.providerKeys.active(t + 2 * DAY, () => later), later);
      assert.deepEqual(await s.providerKeys.list(t + 2 * DAY), [later]);
      assert.deepEqual(await s.providerKeys.list(t + DAY - 1), [later, old], 'newest first');
    });

    it('rotates: the old key ends at the given time, the new one becomes active', async () => {
      const s = storage();
      const t = nextEra();
      const old = key(t);
      await s.providerKeys.active(t, () => old);
      const next = key(t + 10);
      await s.providerKeys.rotate(next, t + 60_000);
      const fail = () => assert.fail('must not create a key while one is valid');
      assert.deepEqual(await s.providerKeys.active(t + 20, fail), next);
      assert.deepEqual(await s.providerKeys.list(t + 20), [next, { ...old, notAfter: t + 60_000 }]);
      assert.deepEqual(await s.providerKeys.list(t + 60_000), [next]);
    });
  });
}
