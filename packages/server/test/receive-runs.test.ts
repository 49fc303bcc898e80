// A follower applies a hub's notify in one transaction, and most of its messages without a read of their own: the
// room, its members and its blocks are read for the first message of a room and reused for the rest. These cases
// give b's storage runs of messages for a room it follows and check each message's outcome against what the
// one-by-one rules say: stored and told to b's members, dropped when they all blocked the sender, held back after
// a gap, refused from a provider that is not the room's hub.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReceiveResult, StoredMessage } from '../src/index.js';
import { lastSeqOf, type RoomsNet, roomsNetwork, storageOf } from './forge.js';

let r: RoomsNet;
before(async () => {
  r = await roomsNetwork();
});
after(() => r?.close());

/** Application messages from alice to `room`, at the sequence numbers given. */
function fromAlice(room: string, seqs: number[]): StoredMessage[] {
  return seqs.map((seq) => ({
    room,
    seq,
    kind: 'application',
    toDevice: null,
    sender: 'alice@a.localhost',
    device: 'alice-device',
    ts: Date.now(),
    payload: new TextEncoder().encode(`message ${seq}`),
  }));
}

const outcome = (result: ReceiveResult) =>
  result.ok
    ? `${result.stored ? `stored ${result.stored.seq}` : 'skipped'} for [${[...result.audience].join(',')}]`
    : result.reason;

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('a notify of many messages on the follower', () => {
  it('stores each message of a run in order and tells each to the room’s members here', async () => {
    const b = storageOf(r.net, 'b.localhost');
    const last = (await lastSeqOf(r.net, 'b.localhost', r.group))!;
    const seqs = range(last + 1, 5);
    const results = await b.federation.receiveMany('a.localhost', fromAlice(r.group, seqs));
    assert.deepEqual(
      results.map(outcome),
      seqs.map((seq) => `stored ${seq} for [bob]`),
    );
    assert.equal(await lastSeqOf(r.net, 'b.localhost', r.group), last + 5);
    const read = await b.rooms.read(r.group, 'bob', last, 100);
    assert.ok(read.ok);
    assert.deepEqual(
      read.messages.map((m) => new TextDecoder().decode(m.payload)),
      seqs.map((seq) => `message ${seq}`),
    );
  });

  it('drops every message of a sender all its members here blocked, and moves past them', async () => {
    const b = storageOf(r.net, 'b.localhost');
    const last = (await lastSeqOf(r.net, 'b.localhost', r.group))!;
    await b.federation.setConsent('bob', 'alice@a.localhost', 'blocked', Date.now());
    try {
      const results = await b.federation.receiveMany('a.localhost', fromAlice(r.group, range(last + 1, 4)));
      assert.deepEqual(results.map(outcome), Array(4).fill('skipped for []'));
      assert.equal(await lastSeqOf(r.net, 'b.localhost', r.group), last + 4);
      const read = await b.rooms.read(r.group, 'bob', last, 100);
      assert.ok(read.ok);
      assert.deepEqual(read.messages, [], 'nothing of a blocked sender is stored');
    } finally {
      await b.federation.setConsent('bob', 'alice@a.localhost', 'accepted', Date.now());
    }
    // Unblocked, the next message is stored again.
    const next = await b.federation.receiveMany('a.localhost', fromAlice(r.group, [last + 5]));
    assert.deepEqual(next.map(outcome), [`stored ${last + 5} for [bob]`]);
  });

  it('holds back a room’s messages from its first gap on, and takes the rest of the run up to it', async () => {
    const b = storageOf(r.net, 'b.localhost');
    const last = (await lastSeqOf(r.net, 'b.localhost', r.group))!;
    const results = await b.federation.receiveMany(
      'a.localhost',
      fromAlice(r.group, [last + 1, last + 2, last + 4, last + 5]),
    );
    assert.deepEqual(results.map(outcome), [
      `stored ${last + 1} for [bob]`,
      `stored ${last + 2} for [bob]`,
      'gap',
      'gap',
    ]);
    assert.equal(await lastSeqOf(r.net, 'b.localhost', r.group), last + 2);
  });

  it('refuses every message of a run from a provider that is not the room’s hub', async () => {
    const b = storageOf(r.net, 'b.localhost');
    const last = (await lastSeqOf(r.net, 'b.localhost', r.group))!;
    const results = await b.federation.receiveMany('c.localhost', fromAlice(r.group, range(last + 1, 3)));
    assert.deepEqual(results.map(outcome), Array(3).fill('notHub'));
    assert.equal(await lastSeqOf(r.net, 'b.localhost', r.group), last);
  });
});
