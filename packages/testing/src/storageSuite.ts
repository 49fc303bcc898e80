/**
 * The one storage suite every backend passes: memory, SQLite and PostgreSQL run exactly these cases, which is
 * what keeps the backends equivalent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { NewDevice, Storage } from '@parley/server';
import type { Backend, OpenedBackend } from './backends.js';
import { providerKeysSuite } from './providerKeysSuite.js';

let counter = 0;
const uid = (prefix: string) => `${prefix}${(counter++).toString(36)}${randomBytes(4).toString('hex')}`;

function device(name = 'phone'): NewDevice {
  const id = uid('dev');
  return { id, name, tokenHash: `hash-${id}`, createdAt: Date.now() };
}

async function user(storage: Storage, handle = uid('user')) {
  const first = device();
  const result = await storage.accounts.register(
    { handle, passwordHash: 'scrypt$x', createdAt: Date.now() },
    first,
  );
  assert.deepEqual(result, { ok: true });
  return { handle, device: first };
}

async function room(
  storage: Storage,
  creator: string,
  members: string[],
  kind: 'direct' | 'group' = 'group',
) {
  const id = uid('room');
  const result = await storage.rooms.createRoom({ id, kind, creator, createdAt: Date.now() }, members);
  assert.equal(result.ok, true);
  return id;
}

async function send(
  storage: Storage,
  roomId: string,
  sender: { handle: string; device: NewDevice },
  text: string,
) {
  const result = await storage.rooms.append({
    room: roomId,
    sender: sender.handle,
    device: sender.device.id,
    payload: new TextEncoder().encode(text),
    ts: Date.now(),
  });
  assert.equal(result.ok, true);
  return result.ok ? result.message.seq : -1;
}

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

    describe('cursors and retention', () => {
      it('starts a new device at the present and tracks acknowledgements per device', async () => {
        const [alice, bob] = [await user(s), await user(s)];
        const id = await room(s, alice.handle, [bob.handle]);
        await send(s, id, alice, 'one');
        await send(s, id, alice, 'two');
        const laptop = device('laptop');
        await s.accounts.addDevice(bob.handle, laptop);
        await send(s, id, alice, 'three');
        assert.deepEqual(await s.rooms.pending(bob.device.id), [{ room: id, cursor: 0, lastSeq: 3 }]);
        assert.deepEqual(await s.rooms.pending(laptop.id), [{ room: id, cursor: 2, lastSeq: 3 }]);
        await s.rooms.ack(bob.device.id, [{ room: id, seq: 2 }]);
        await s.rooms.ack(bob.device.id, [{ room: id, seq: 1 }]);
        assert.deepEqual(await s.rooms.pending(bob.device.id), [{ room: id, cursor: 2, lastSeq: 3 }]);
        await s.rooms.ack(bob.device.id, [{ room: id, seq: 99 }]);
        assert.deepEqual(await s.rooms.pending(bob.device.id), []);
        await s.rooms.ack(bob.device.id, [{ room: uid('room'), seq: 5 }]);
      });

      it('keeps a message until every member device acknowledged it, or until it is too old', async () => {
        const [alice, bob] = [await user(s), await user(s)];
        const id = await room(s, alice.handle, [bob.handle]);
        for (const text of ['a', 'b', 'c', 'd']) await send(s, id, alice, text);
        await s.rooms.ack(alice.device.id, [{ room: id, seq: 4 }]);
        await s.rooms.ack(bob.device.id, [{ room: id, seq: 2 }]);
        await s.rooms.prune(0);
        const left = await s.rooms.read(id, alice.handle, 0, 10);
        assert.ok(left.ok);
        assert.deepEqual(
          left.messages.map((m) => m.seq),
          [3, 4],
        );
        await s.rooms.prune(Date.now() + 60_000);
        const none = await s.rooms.read(id, alice.handle, 0, 10);
        assert.ok(none.ok);
        assert.deepEqual(none.messages, []);
        assert.equal((await s.rooms.getRoom(id))?.room.lastSeq, 4);
      });
    });

    describe('encrypted rooms', () => {
      const bytes = (n: number) => new Uint8Array([n, n + 1, n + 2]);
      async function encryptedRoom(creator: string) {
        const id = uid('room');
        const made = await s.rooms.createRoom(
          { id, kind: 'group', creator, createdAt: Date.now(), groupInfo: bytes(0) },
          ['ignored-when-encrypted'],
        );
        assert.ok(made.ok);
        assert.equal(made.room.encrypted, true);
        assert.deepEqual(
          made.members.map((m) => m.handle),
          [creator],
        );
        return id;
      }

      it('publishes an identity key once and refuses a different one', async () => {
        const alice = await user(s);
        assert.equal((await s.accounts.getUser(alice.handle))?.identityKey ?? null, null);
        assert.deepEqual(await s.accounts.setIdentityKey(alice.handle, bytes(1)), { ok: true });
        assert.deepEqual(await s.accounts.setIdentityKey(alice.handle, bytes(1)), { ok: true });
        assert.deepEqual(await s.accounts.setIdentityKey(alice.handle, bytes(2)), {
          ok: false,
          reason: 'conflict',
        });
        assert.deepEqual(
          Buffer.from((await s.accounts.getUser(alice.handle))!.identityKey!),
          Buffer.from(bytes(1)),
        );
        assert.deepEqual(await s.accounts.setIdentityKey(uid('ghost'), bytes(1)), {
          ok: false,
          reason: 'noSuchUser',
        });
      });

      it('takes one commit per epoch, moves members with it, and keeps each Welcome for its device', async () => {
        const [alice, bob, carol] = [await user(s), await user(s), await user(s)];
        const id = await encryptedRoom(alice.handle);
        assert.deepEqual(await s.rooms.groupInfo(id), { epoch: 0, groupInfo: bytes(0) });
        const commit = (epoch: number, next: { add: string[]; remove: string[] }, welcomeTo: string[] = []) =>
          s.rooms.applyHandshake({
            room: id,
            sender: alice.handle,
            device: alice.device.id,
            kind: 'commit',
            payload: bytes(10 + epoch),
            ts: Date.now(),
            epoch,
            next: {
              epoch: epoch + 1,
              groupInfo: bytes(20 + epoch),
              addUsers: next.add,
              removeUsers: next.remove,
            },
            ...(welcomeTo.length > 0 ? { welcome: { payload: bytes(30), devices: welcomeTo } } : {}),
          });
        const first = await commit(0, { add: [bob.handle, carol.handle], remove: [] }, [
          bob.device.id,
          carol.device.id,
        ]);
        assert.ok(first.ok);
        assert.deepEqual(
          first.messages.map((m) => [m.seq, m.kind, m.toDevice]),
          [
            [1, 'commit', null],
            [2, 'welcome', bob.device.id],
            [3, 'welcome', carol.device.id],
          ],
        );
        assert.deepEqual(await commit(0, { add: [], remove: [] }), { ok: false, reason: 'staleEpoch' });
        assert.deepEqual(await s.rooms.groupInfo(id), { epoch: 1, groupInfo: bytes(20) });
        const bobView = await s.rooms.read(id, bob.handle, 0, 10, bob.device.id);
        assert.ok(bobView.ok);
        assert.deepEqual(
          bobView.messages.map((m) => [m.seq, m.kind]),
          [[2, 'welcome']],
        );
        const aliceView = await s.rooms.read(id, alice.handle, 0, 10, alice.device.id);
        assert.ok(aliceView.ok);
        assert.deepEqual(
          aliceView.messages.map((m) => m.kind),
          ['commit'],
        );
        assert.deepEqual(await s.rooms.pending(carol.device.id), [{ room: id, cursor: 1, lastSeq: 3 }]);
        const second = await commit(1, { add: [], remove: [carol.handle] });
        assert.ok(second.ok);
        assert.deepEqual(second.members.map((m) => m.handle).sort(), [alice.handle, bob.handle].sort());
        // carol still receives her Welcome and the commit that removed her, and nothing after.
        const carolView = await s.rooms.read(id, carol.handle, 0, 10, carol.device.id);
        assert.ok(carolView.ok);
        assert.deepEqual(
          carolView.messages.map((m) => [m.seq, m.kind]),
          [
            [3, 'welcome'],
            [4, 'commit'],
          ],
        );
        assert.deepEqual(await s.rooms.read(id, carol.handle, 4, 10, carol.device.id), {
          ok: false,
          reason: 'notMember',
        });
        assert.deepEqual(await s.rooms.addMembers(id, alice.handle, [carol.handle]), {
          ok: false,
          reason: 'forbidden',
          detail: 'encrypted',
        });
      });

      it('refuses handshakes from non-members and for plain rooms', async () => {
        const [alice, mallory] = [await user(s), await user(s)];
        const id = await encryptedRoom(alice.handle);
        const plain = await room(s, alice.handle, []);
        const proposal = (roomId: string, who: typeof alice) =>
          s.rooms.applyHandshake({
            room: roomId,
            sender: who.handle,
            device: who.device.id,
            kind: 'proposal',
            payload: bytes(5),
            ts: 1,
            epoch: 0,
          });
        assert.deepEqual(await proposal(id, mallory), { ok: false, reason: 'notMember' });
        assert.deepEqual(await proposal(plain, alice), { ok: false, reason: 'notEncrypted' });
        const ok = await proposal(id, alice);
        assert.ok(ok.ok);
        assert.equal(ok.messages[0]?.kind, 'proposal');
        assert.equal((await s.rooms.groupInfo(id))?.epoch, 0);
      });
    });

    describe('key packages', () => {
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

    providerKeysSuite(() => s);
  });
}
