/** Encrypted rooms in storage: identity keys, one commit per epoch, Welcomes per device, departures. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Storage } from '@parley/server';
import { room, uid, user } from './storageFixtures.js';

export function encryptedRoomCases(get: () => Storage): void {
  describe('encrypted rooms', () => {
    let s: Storage;
    before(() => {
      s = get();
    });
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
      const owner = new Map([
        [bob.device.id, bob.handle],
        [carol.device.id, carol.handle],
      ]);
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
          ...(welcomeTo.length > 0
            ? {
                welcome: {
                  payload: bytes(30),
                  devices: welcomeTo.map((id) => ({ id, user: owner.get(id)! })),
                },
              }
            : {}),
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
}
