/** The KeyPackage store: single use, last resort, device filters, concurrent claims. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Storage } from '@parley/server';
import { device, user } from './storageFixtures.js';

export function keyPackageCases(get: () => Storage): void {
  describe('key packages', () => {
    let s: Storage;
    before(() => {
      s = get();
    });
    it('claims one package per device, single use, and never uses up a last-resort one', async () => {
      const alice = await user(s);
      const laptop = device('laptop');
      await s.accounts.addDevice(alice.handle, laptop);
      const kp = (n: number) => new Uint8Array([n, n, n]);
      await s.keyPackages.upload(alice.handle, alice.device.id, [kp(1), kp(2)], kp(9), 1);
      await s.keyPackages.upload(alice.handle, laptop.id, [], kp(8), 1);
      assert.deepEqual(await s.keyPackages.count(alice.device.id), { count: 2, lastResort: true });
      const claims = [];
      for (let i = 0; i < 4; i++) claims.push(await s.keyPackages.claim(alice.handle));
      const phone = claims.map((c) => c.find((x) => x.deviceId === alice.device.id));
      assert.deepEqual(
        phone.map((p) => [p?.keyPackage[0], p?.lastResort]),
        [
          [1, false],
          [2, false],
          [9, true],
          [9, true],
        ],
      );
      assert.ok(claims.every((c) => c.find((x) => x.deviceId === laptop.id)?.keyPackage[0] === 8));
      assert.deepEqual(await s.keyPackages.count(alice.device.id), { count: 0, lastResort: true });
    });

    it('claims only for the devices asked for, and never for the one excepted', async () => {
      const alice = await user(s);
      const laptop = device('laptop');
      await s.accounts.addDevice(alice.handle, laptop);
      await s.keyPackages.upload(alice.handle, alice.device.id, [new Uint8Array([1])], undefined, 1);
      await s.keyPackages.upload(
        alice.handle,
        laptop.id,
        [new Uint8Array([2]), new Uint8Array([3])],
        undefined,
        1,
      );
      const onlyLaptop = await s.keyPackages.claim(alice.handle, { devices: [laptop.id] });
      assert.deepEqual(
        onlyLaptop.map((c) => c.deviceId),
        [laptop.id],
      );
      const notLaptop = await s.keyPackages.claim(alice.handle, { except: laptop.id });
      assert.deepEqual(
        notLaptop.map((c) => c.deviceId),
        [alice.device.id],
      );
      assert.deepEqual(await s.keyPackages.claim(alice.handle, { devices: [] }), []);
      assert.deepEqual(await s.keyPackages.count(laptop.id), { count: 1, lastResort: false });
    });

    it('gives concurrent claimers different packages', async () => {
      const alice = await user(s);
      const packages = Array.from({ length: 20 }, (_, i) => new Uint8Array([i, 1, 2]));
      await s.keyPackages.upload(alice.handle, alice.device.id, packages, undefined, 1);
      const claims = await Promise.all(Array.from({ length: 20 }, () => s.keyPackages.claim(alice.handle)));
      const firsts = claims.map((c) => c[0]?.keyPackage[0]);
      assert.equal(new Set(firsts).size, 20);
      assert.deepEqual(await s.keyPackages.claim(alice.handle), []);
    });

    it('refuses uploads for a device of someone else and forgets a removed device', async () => {
      const [alice, mallory] = [await user(s), await user(s)];
      await s.keyPackages.upload(mallory.handle, alice.device.id, [new Uint8Array([6])], undefined, 1);
      assert.deepEqual(await s.keyPackages.count(alice.device.id), { count: 0, lastResort: false });
      const laptop = device('laptop');
      await s.accounts.addDevice(alice.handle, laptop);
      await s.keyPackages.upload(alice.handle, laptop.id, [new Uint8Array([5])], new Uint8Array([4]), 1);
      await s.accounts.removeDevice(alice.handle, laptop.id);
      assert.deepEqual(await s.keyPackages.count(laptop.id), { count: 0, lastResort: false });
      assert.deepEqual(await s.keyPackages.claim(alice.handle), []);
    });
  });
}
