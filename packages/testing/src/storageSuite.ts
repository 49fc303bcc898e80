/**
 * The one storage suite every backend passes: SQLite in memory, a SQLite file and PostgreSQL run exactly these
 * cases, which is what keeps the backends equivalent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Storage } from '@parley/server';
import type { Backend, OpenedBackend } from './backends.js';
import { providerKeysSuite } from './providerKeysSuite.js';

import { device, room, send, uid, user } from './storageFixtures.js';
import { deliveryCases } from './storageSuiteDelivery.js';
import { encryptedRoomCases } from './storageSuiteEncrypted.js';
import { keyPackageCases } from './storageSuiteKeyPackages.js';

export function storageSuite(backend: Backend): void {
  describe(`storage: ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedBackend;
    let s: Storage;
    before(async () => {
      opened = await backend.open();
      s = opened.storage;
    });
    after(async () => opened?.destroy());

    it('answers a ping', async () => {
      await s.ping();
    });

    describe('accounts and devices', () => {
      it('registers a user with a first device and refuses a taken handle, writing nothing', async () => {
        const { handle } = await user(s);
        const again = await s.accounts.register({ handle, passwordHash: 'other', createdAt: 1 }, device());
        assert.deepEqual(again, { ok: false, reason: 'handleTaken' });
        assert.equal((await s.accounts.getUser(handle))?.passwordHash, 'scrypt$x');
        assert.equal((await s.accounts.listDevices(handle)).length, 1);
      });

      it('finds devices by token hash, lists, renames and removes them', async () => {
        const alice = await user(s);
        const laptop = device('laptop');
        assert.deepEqual(await s.accounts.addDevice(alice.handle, laptop), { ok: true });
        assert.equal((await s.accounts.deviceByTokenHash(laptop.tokenHash))?.id, laptop.id);
        const list = await s.accounts.listDevices(alice.handle);
        assert.deepEqual(list.map((d) => d.id).sort(), [alice.device.id, laptop.id].sort());
        const renamed = await s.accounts.renameDevice(alice.handle, laptop.id, 'work laptop');
        assert.equal(renamed?.name, 'work laptop');
        assert.equal(await s.accounts.removeDevice(alice.handle, laptop.id), true);
        assert.equal(await s.accounts.deviceByTokenHash(laptop.tokenHash), undefined);
        assert.equal(await s.accounts.removeDevice(alice.handle, laptop.id), false);
      });

      it("never lets one user rename or remove another's device", async () => {
        const alice = await user(s);
        const mallory = await user(s);
        assert.equal(await s.accounts.renameDevice(mallory.handle, alice.device.id, 'pwned'), undefined);
        assert.equal(await s.accounts.removeDevice(mallory.handle, alice.device.id), false);
        assert.equal((await s.accounts.listDevices(alice.handle))[0]?.name, 'phone');
      });

      it('refuses a device for an unknown user', async () => {
        assert.deepEqual(await s.accounts.addDevice(uid('ghost'), device()), {
          ok: false,
          reason: 'noSuchUser',
        });
      });

      it('records when a device was last seen', async () => {
        const alice = await user(s);
        await s.accounts.touchDevice(alice.device.id, 1234);
        assert.equal((await s.accounts.listDevices(alice.handle))[0]?.lastSeenAt, 1234);
      });
    });

    describe('rooms', () => {
      it('creates a room with its creator as owner', async () => {
        const alice = await user(s);
        const bob = await user(s);
        const id = await room(s, alice.handle, [bob.handle, alice.handle]);
        const got = await s.rooms.getRoom(id);
        assert.equal(got?.room.lastSeq, 0);
        assert.deepEqual(
          got?.members.map((m) => [m.handle, m.role]).sort(),
          [
            [alice.handle, 'owner'],
            [bob.handle, 'member'],
          ].sort(),
        );
        assert.deepEqual(
          (await s.rooms.roomsOf(bob.handle)).map((r) => r.id),
          [id],
        );
      });

      it('creates nothing when a member does not exist', async () => {
        const alice = await user(s);
        const id = uid('room');
        const result = await s.rooms.createRoom({ id, kind: 'group', creator: alice.handle, createdAt: 1 }, [
          'nobody-here',
        ]);
        assert.deepEqual(result, { ok: false, reason: 'noSuchUser', detail: 'nobody-here' });
        assert.equal(await s.rooms.getRoom(id), undefined);
        assert.deepEqual(await s.rooms.roomsOf(alice.handle), []);
      });

      it('lets members add users, the owner remove them, and anyone leave', async () => {
        const [alice, bob, carol, dave] = [await user(s), await user(s), await user(s), await user(s)];
        const id = await room(s, alice.handle, [bob.handle]);
        const added = await s.rooms.addMembers(id, bob.handle, [carol.handle, bob.handle]);
        assert.ok(added.ok);
        assert.deepEqual(added.changed, [carol.handle]);
        assert.deepEqual(await s.rooms.removeMember(id, bob.handle, carol.handle), {
          ok: false,
          reason: 'forbidden',
        });
        assert.equal((await s.rooms.removeMember(id, carol.handle, carol.handle)).ok, true);
        assert.equal((await s.rooms.removeMember(id, alice.handle, bob.handle)).ok, true);
        assert.deepEqual(await s.rooms.addMembers(id, dave.handle, [dave.handle]), {
          ok: false,
          reason: 'notMember',
        });
        const left = await s.rooms.getRoom(id);
        assert.deepEqual(
          left?.members.map((m) => m.handle),
          [alice.handle],
        );
      });

      it('keeps a direct room to its two people', async () => {
        const [alice, bob, carol] = [await user(s), await user(s), await user(s)];
        const id = await room(s, alice.handle, [bob.handle], 'direct');
        const result = await s.rooms.addMembers(id, alice.handle, [carol.handle]);
        assert.equal(result.ok, false);
        assert.equal(result.ok ? '' : result.reason, 'forbidden');
      });

      it('answers noSuchRoom for a room that does not exist', async () => {
        const alice = await user(s);
        const ghost = uid('room');
        assert.deepEqual(await s.rooms.addMembers(ghost, alice.handle, []), {
          ok: false,
          reason: 'noSuchRoom',
        });
        assert.deepEqual(await s.rooms.read(ghost, alice.handle, 0, 10), { ok: false, reason: 'noSuchRoom' });
        const appended = await s.rooms.append({
          room: ghost,
          sender: alice.handle,
          device: alice.device.id,
          payload: new Uint8Array([1]),
          ts: 1,
        });
        assert.deepEqual(appended, { ok: false, reason: 'noSuchRoom' });
      });
    });

    describe('messages', () => {
      it('hands out strictly increasing sequences without gaps and keeps payload bytes exactly', async () => {
        const alice = await user(s);
        const id = await room(s, alice.handle, []);
        const payloads = Array.from({ length: 20 }, (_, i) => new Uint8Array(randomBytes(i * 7)));
        payloads.push(new Uint8Array([0, 0, 255, 0]));
        for (const [i, payload] of payloads.entries()) {
          const result = await s.rooms.append({
            room: id,
            sender: alice.handle,
            device: alice.device.id,
            payload,
            ts: 1000 + i,
          });
          assert.ok(result.ok);
          assert.equal(result.message.seq, i + 1);
        }
        const read = await s.rooms.read(id, alice.handle, 0, 100);
        assert.ok(read.ok);
        assert.deepEqual(
          read.messages.map((m) => m.seq),
          payloads.map((_, i) => i + 1),
        );
        read.messages.forEach((m, i) => {
          assert.deepEqual(Buffer.from(m.payload), Buffer.from(payloads[i]!));
          assert.equal(m.ts, 1000 + i);
          assert.equal(m.sender, alice.handle);
          assert.equal(m.device, alice.device.id);
        });
        const page = await s.rooms.read(id, alice.handle, 5, 3);
        assert.ok(page.ok);
        assert.deepEqual(
          page.messages.map((m) => m.seq),
          [6, 7, 8],
        );
      });

      it('orders concurrent submits into one gapless sequence', async () => {
        const [alice, bob] = [await user(s), await user(s)];
        const id = await room(s, alice.handle, [bob.handle]);
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            s.rooms.append({
              room: id,
              sender: i % 2 ? alice.handle : bob.handle,
              device: i % 2 ? alice.device.id : bob.device.id,
              payload: new Uint8Array([i]),
              ts: Date.now(),
            }),
          ),
        );
        const seqs = results.map((r) => (r.ok ? r.message.seq : -1)).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        assert.equal((await s.rooms.getRoom(id))?.room.lastSeq, 40);
      });

      it('answers a resubmission with the same client id with the first sequence, using no new one', async () => {
        const alice = await user(s);
        const id = await room(s, alice.handle, []);
        const submit = () =>
          s.rooms.append({
            room: id,
            sender: alice.handle,
            device: alice.device.id,
            clientId: 'c-1',
            payload: new Uint8Array([7]),
            ts: 5,
          });
        const first = await submit();
        const second = await submit();
        assert.ok(first.ok && second.ok);
        assert.equal(first.duplicate, false);
        assert.equal(second.duplicate, true);
        assert.equal(second.message.seq, first.message.seq);
        await send(s, id, alice, 'next');
        assert.equal((await s.rooms.getRoom(id))?.room.lastSeq, 2);
      });

      it('writes a group of submits in one go, each with its own answer, in order', async () => {
        const [alice, mallory] = [await user(s), await user(s)];
        const [id, other] = [await room(s, alice.handle, []), await room(s, alice.handle, [])];
        const input = (roomId: string, who: typeof alice, clientId?: string) => ({
          room: roomId,
          sender: who.handle,
          device: who.device.id,
          payload: new TextEncoder().encode(`${roomId}/${clientId}`),
          ts: 9,
          ...(clientId ? { clientId } : {}),
        });
        const results = await s.rooms.appendMany([
          input(id, alice, 'g-1'),
          input(other, alice, 'g-2'),
          input(id, mallory, 'g-3'),
          input(id, alice, 'g-1'),
          input(id, alice),
          input(uid('room'), alice),
        ]);
        assert.deepEqual(
          results.map((r) =>
            r.ok ? [r.message.room === id ? 'id' : 'other', r.message.seq, r.duplicate] : r.reason,
          ),
          [
            ['id', 1, false],
            ['other', 1, false],
            'notMember',
            ['id', 1, true],
            ['id', 2, false],
            'noSuchRoom',
          ],
        );
        const read = await s.rooms.read(id, alice.handle, 0, 10);
        assert.ok(read.ok);
        assert.deepEqual(
          read.messages.map((m) => new TextDecoder().decode(m.payload)),
          [`${id}/g-1`, `${id}/undefined`],
        );
      });

      it('answers a group holding a client id stored earlier with that message, the others in order', async () => {
        const alice = await user(s);
        const id = await room(s, alice.handle, []);
        const input = (clientId: string) => ({
          room: id,
          sender: alice.handle,
          device: alice.device.id,
          clientId,
          payload: new TextEncoder().encode(clientId),
          ts: 3,
        });
        const first = await s.rooms.append(input('r-1'));
        assert.ok(first.ok && !first.duplicate);
        const results = await s.rooms.appendMany([input('r-2'), input('r-1'), input('r-3'), input('r-2')]);
        assert.deepEqual(
          results.map((r) =>
            r.ok ? [new TextDecoder().decode(r.message.payload), r.message.seq, r.duplicate] : r,
          ),
          [
            ['r-2', 2, false],
            ['r-1', 1, true],
            ['r-3', 3, false],
            ['r-2', 2, true],
          ],
        );
        const read = await s.rooms.read(id, alice.handle, 0, 10);
        assert.ok(read.ok);
        assert.deepEqual(
          read.messages.map((m) => [m.seq, new TextDecoder().decode(m.payload)]),
          [
            [1, 'r-1'],
            [2, 'r-2'],
            [3, 'r-3'],
          ],
        );
        assert.equal((await s.rooms.getRoom(id))?.room.lastSeq, 3);
      });

      it('refuses submissions and reads from non-members', async () => {
        const [alice, mallory] = [await user(s), await user(s)];
        const id = await room(s, alice.handle, []);
        const appended = await s.rooms.append({
          room: id,
          sender: mallory.handle,
          device: mallory.device.id,
          payload: new Uint8Array([1]),
          ts: 1,
        });
        assert.deepEqual(appended, { ok: false, reason: 'notMember' });
        assert.deepEqual(await s.rooms.read(id, mallory.handle, 0, 10), { ok: false, reason: 'notMember' });
        assert.equal((await s.rooms.getRoom(id))?.room.lastSeq, 0);
      });

      it('shows a member only what was sent after they joined, and nothing after they left', async () => {
        const [alice, bob] = [await user(s), await user(s)];
        const id = await room(s, alice.handle, []);
        await send(s, id, alice, 'before bob');
        await s.rooms.addMembers(id, alice.handle, [bob.handle]);
        await send(s, id, alice, 'with bob');
        const seen = await s.rooms.read(id, bob.handle, 0, 10);
        assert.ok(seen.ok);
        assert.deepEqual(
          seen.messages.map((m) => m.seq),
          [2],
        );
        await s.rooms.removeMember(id, alice.handle, bob.handle);
        await send(s, id, alice, 'after bob');
        // Removed, bob still gets what was sent while he was in — nothing later — and then lets go of the room.
        const kept = await s.rooms.read(id, bob.handle, 0, 10);
        assert.ok(kept.ok);
        assert.deepEqual(
          kept.messages.map((m) => m.seq),
          [2],
        );
        assert.deepEqual(await s.rooms.read(id, bob.handle, 2, 10), { ok: false, reason: 'notMember' });
        assert.deepEqual(await s.rooms.pending(bob.device.id), [{ room: id, cursor: 1, lastSeq: 2 }]);
        await s.rooms.ack(bob.device.id, [{ room: id, seq: 99 }]);
        assert.deepEqual(await s.rooms.pending(bob.device.id), []);
        const appended = await s.rooms.append({
          room: id,
          sender: bob.handle,
          device: bob.device.id,
          payload: new Uint8Array([1]),
          ts: 1,
        });
        assert.deepEqual(appended, { ok: false, reason: 'notMember' });
      });

      it('gives a returning member the present only', async () => {
        const [alice, bob] = [await user(s), await user(s)];
        const id = await room(s, alice.handle, [bob.handle]);
        await send(s, id, alice, 'one');
        await s.rooms.removeMember(id, bob.handle, bob.handle);
        await send(s, id, alice, 'while away');
        await s.rooms.addMembers(id, alice.handle, [bob.handle]);
        await send(s, id, alice, 'back');
        const seen = await s.rooms.read(id, bob.handle, 0, 10);
        assert.ok(seen.ok);
        assert.deepEqual(
          seen.messages.map((m) => m.seq),
          [3],
        );
        assert.deepEqual(await s.rooms.pending(bob.device.id), [{ room: id, cursor: 2, lastSeq: 3 }]);
      });
    });

    deliveryCases(() => s);
    encryptedRoomCases(() => s);
    keyPackageCases(() => s);
    providerKeysSuite(() => s);
  });
}
