/** What storage owes devices and peers: cursors and retention, and the outbox's runs. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Storage } from '@parley/server';
import { device, room, send, uid, user } from './storageFixtures.js';

export function deliveryCases(get: () => Storage): void {
  let s: Storage;
  before(() => {
    s = get();
  });

  describe('cursors and retention', () => {
    it("writes many devices' acknowledgements together, each as ack would", async () => {
      const [alice, bob] = [await user(s), await user(s)];
      const id = await room(s, alice.handle, [bob.handle]);
      for (const text of ['one', 'two', 'three']) await send(s, id, alice, text);
      await s.rooms.ackMany([
        { deviceId: alice.device.id, acks: [{ room: id, seq: 3 }] },
        {
          deviceId: bob.device.id,
          acks: [
            { room: id, seq: 2 },
            { room: id, seq: 1 },
          ],
        },
        { deviceId: 'nobody', acks: [{ room: id, seq: 3 }] },
        { deviceId: bob.device.id, acks: [] },
      ]);
      assert.deepEqual(await s.rooms.pending(alice.device.id), []);
      assert.deepEqual(await s.rooms.pending(bob.device.id), [{ room: id, cursor: 2, lastSeq: 3 }]);
    });

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

    it('prunes more than one chunk (a transaction per thousand), and only what retention allows', async () => {
      const [alice, bob] = [await user(s), await user(s)];
      const id = await room(s, alice.handle, [bob.handle]);
      const total = 2345;
      for (let at = 0; at < total; at += 500) {
        const inputs = Array.from({ length: Math.min(500, total - at) }, (_, i) => ({
          room: id,
          sender: alice.handle,
          device: alice.device.id,
          payload: new TextEncoder().encode(`m${at + i}`),
          ts: Date.now(),
        }));
        for (const r of await s.rooms.appendMany(inputs)) assert.ok(r.ok);
      }
      await s.rooms.ack(alice.device.id, [{ room: id, seq: total }]);
      await s.rooms.ack(bob.device.id, [{ room: id, seq: 2300 }]);
      assert.equal(await s.rooms.prune(0), 2300);
      const left = await s.rooms.read(id, alice.handle, 0, 100);
      assert.ok(left.ok);
      assert.deepEqual(
        left.messages.map((m) => m.seq),
        Array.from({ length: total - 2300 }, (_, i) => 2301 + i),
      );
      assert.equal(await s.rooms.prune(0), 0, 'nothing more to prune');
    });
  });

  describe('retention by age', () => {
    it("deletes each room's run of old messages, across chunks and pages of rooms, and keeps the rest", async () => {
      const alice = await user(s);
      const now = Date.now();
      const input = (roomId: string, ts: number) => ({
        room: roomId,
        sender: alice.handle,
        device: alice.device.id,
        payload: new TextEncoder().encode(`at ${ts}`),
        ts,
      });
      // One room with more old messages than a chunk holds twice, then young ones.
      const big = await room(s, alice.handle, []);
      const bigTimes = [
        ...Array.from({ length: 2100 }, (_, i) => 1 + i),
        ...Array.from({ length: 245 }, () => now),
      ];
      for (let at = 0; at < bigTimes.length; at += 500) {
        const part = bigTimes.slice(at, at + 500).map((ts) => input(big, ts));
        for (const r of await s.rooms.appendMany(part)) assert.ok(r.ok);
      }
      // More rooms than one page of rooms (500), each with one old message and one young.
      const small: string[] = [];
      for (let i = 0; i < 510; i++) small.push(await room(s, alice.handle, []));
      const stored = await s.rooms.appendMany(small.flatMap((id) => [input(id, 10), input(id, now)]));
      assert.ok(stored.every((r) => r.ok));
      // A hub whose clock stepped back: the old message after the step waits for the young one before it.
      const stepped = await room(s, alice.handle, []);
      for (const ts of [100, now, 200]) assert.ok((await s.rooms.append(input(stepped, ts))).ok);

      await s.rooms.prune(0); // what other cases left acknowledged, so that the count below is this case's
      assert.equal(await s.rooms.prune(5000), 2100 + 510 + 1);
      const seqs = async (id: string) => {
        const read = await s.rooms.read(id, alice.handle, 0, 300);
        assert.ok(read.ok);
        return read.messages.map((m) => m.seq);
      };
      assert.deepEqual(
        await seqs(big),
        Array.from({ length: 245 }, (_, i) => 2101 + i),
      );
      for (const id of [small[0]!, small[499]!, small[500]!, small[509]!])
        assert.deepEqual(await seqs(id), [2]);
      assert.deepEqual(await seqs(stepped), [2, 3]);
      assert.equal(await s.rooms.prune(5000), 0, 'nothing more is too old');
      assert.equal((await s.rooms.getRoom(big))?.room.lastSeq, 2345);
    });
  });

  describe('outbox', () => {
    it('owes a peer one run per room of a group commit, settled oldest first, a part at a time', async () => {
      const alice = await user(s);
      const peer = `${uid('peer')}.localhost`;
      const [id, other] = [
        await room(s, alice.handle, [`bob@${peer}`]),
        await room(s, alice.handle, [`carol@${peer}`]),
      ];
      const input = (roomId: string, text: string) => ({
        room: roomId,
        sender: alice.handle,
        device: alice.device.id,
        payload: new TextEncoder().encode(text),
        ts: Date.now(),
      });
      const stored = await s.rooms.appendMany([
        input(id, 'a1'),
        input(other, 'b1'),
        input(id, 'a2'),
        input(id, 'a3'),
        input(other, 'b2'),
        input(id, 'a4'),
      ]);
      assert.ok(stored.every((r) => r.ok));
      const owed = (limit: number) => s.federation.due(peer, limit);
      const view = (entries: Awaited<ReturnType<typeof owed>>) =>
        entries.map(
          (e) =>
            `${e.message?.room === id ? 'a' : 'b'}${e.seq}:${new TextDecoder().decode(e.message?.payload)}`,
        );
      const all = await owed(100);
      assert.deepEqual(view(all), ['a1:a1', 'a2:a2', 'a3:a3', 'a4:a4', 'b1:b1', 'b2:b2']);
      assert.equal(new Set(all.map((e) => e.id)).size, 2, 'one outbox row per room');
      // A batch may end inside a run; what was settled of it is gone, the rest stays owed.
      const firstThree = await owed(3);
      assert.deepEqual(view(firstThree), ['a1:a1', 'a2:a2', 'a3:a3']);
      await s.federation.delivered(firstThree.slice(0, 2));
      assert.deepEqual(view(await owed(100)), ['a3:a3', 'a4:a4', 'b1:b1', 'b2:b2']);
      // Retention keeps what a peer is still owed.
      await s.rooms.ack(alice.device.id, [
        { room: id, seq: 4 },
        { room: other, seq: 2 },
      ]);
      assert.equal(await s.rooms.prune(0), 2);
      await s.federation.delivered(await owed(100));
      assert.deepEqual(await owed(100), []);
      assert.ok(!(await s.federation.destinations()).includes(peer));
      assert.equal(await s.rooms.prune(0), 4);
    });
  });
}
