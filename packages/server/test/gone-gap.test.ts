// After a long outage a hub gives up messages it owed a follower, and its retention may delete them since. The
// follower then sees a gap no one can fill: it must move past it (the hub's fetchMessages answer shows the hole
// before a message it keeps), not stop the room there and hold up the hub's lane to it for days.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bobReads, lastSeqOf, type RoomsNet, roomsNetwork, saw, storageOf } from './forge.js';

let r: RoomsNet;
before(async () => {
  // No prune but the test's own.
  r = await roomsNetwork({ retention: { pruneIntervalMs: 3_600_000 } });
});
after(() => r?.close());

describe('a gap the hub can no longer fill', () => {
  it('is skipped by the follower, which applies what follows and keeps the room going', async () => {
    const hub = storageOf(r.net, 'a.localhost');
    const start = (await lastSeqOf(r.net, 'a.localhost', r.group))!;
    assert.equal(await lastSeqOf(r.net, 'b.localhost', r.group), start, 'b is up to date');
    // Three messages the hub stores but never sends (the outbox is not kicked) and then gives up on…
    const lost = await hub.rooms.appendMany(
      ['one', 'two', 'three'].map((text) => ({
        room: r.group,
        sender: 'alice',
        device: r.alice.client.deviceId,
        payload: new TextEncoder().encode(text),
        ts: Date.now(),
      })),
    );
    assert.ok(lost.every((m) => m.ok));
    const owed = await hub.federation.due('b.localhost', 100);
    assert.equal(owed.length, 3);
    await hub.federation.giveUp(owed, 'expired', Date.now());
    // …and that its retention deletes once its own device has read them.
    await hub.rooms.ack(r.alice.client.deviceId, [{ room: r.group, seq: start + 3 }]);
    await hub.rooms.prune(0);
    const kept = await hub.federation.history(r.group, 'b.localhost', start, 10);
    assert.deepEqual(kept, [], 'the hub keeps none of the three');

    await r.alice.client.send(r.group, 'after the gap');
    await saw(r.bob, 'after the gap');
    assert.equal(await lastSeqOf(r.net, 'b.localhost', r.group), start + 4);
    const read = (await bobReads(r, r.group)).filter((m) => m.seq > start);
    assert.deepEqual(
      read.map((m) => m.seq),
      [start + 4],
      'nothing stored for the gone three',
    );
    await r.alice.client.send(r.group, 'and on');
    await saw(r.bob, 'and on');
  });
});
