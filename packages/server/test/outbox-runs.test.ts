// A group commit owes each follower one outbox row per room, a run of sequence numbers. A run longer than the
// lane's batch goes out in parts: each part must be a transaction of its own (a repeated transaction id would be
// answered as applied without being applied), and the follower must end up with every message, in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bobReads, eventually, lastSeqOf, type RoomsNet, roomsNetwork, storageOf } from './forge.js';

let r: RoomsNet;
before(async () => {
  r = await roomsNetwork({ federation: { batchSize: 3 } });
});
after(() => r?.close());

describe('runs of messages owed to a follower', () => {
  it('sends a run longer than a batch in parts, and the follower stores all of it in order', async () => {
    const hub = storageOf(r.net, 'a.localhost');
    const before = (await lastSeqOf(r.net, 'a.localhost', r.group))!;
    const texts = Array.from({ length: 8 }, (_, i) => `run ${i}`);
    const stored = await hub.rooms.appendMany(
      texts.map((text) => ({
        room: r.group,
        sender: 'alice',
        device: r.alice.client.deviceId,
        payload: new TextEncoder().encode(text),
        ts: Date.now(),
      })),
    );
    assert.ok(stored.every((s) => s.ok));
    const owed = await hub.federation.due('b.localhost', 100);
    assert.equal(new Set(owed.map((e) => e.id)).size, 1, 'one row for the whole group commit');
    assert.equal(owed.length, texts.length);
    r.net.byDomain['a.localhost']!.provider.ctx.outbox.kick('b.localhost');
    await eventually(
      'b has the whole run',
      async () => (await lastSeqOf(r.net, 'b.localhost', r.group)) === before + texts.length,
    );
    const read = (await bobReads(r, r.group)).filter((m) => m.seq > before);
    assert.deepEqual(
      read.map((m) => [m.seq, m.sender, new TextDecoder().decode(m.payload)]),
      texts.map((text, i) => [before + 1 + i, 'alice@a.localhost', text]),
    );
    await eventually(
      'the run is settled',
      async () => (await hub.federation.due('b.localhost', 100)).length === 0,
    );
  });
});
