// Sends go over the device's stream when its provider is the room's hub: no HTTP request per message, the answer
// standing in for the message's own echo. Whatever goes wrong on the stream falls back to HTTP with the same
// clientId, so a message is stored once however it got there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sent } from '../src/client/send.js';
import type { Fetch } from '../src/transport/http.js';
import { errors, eventually, interceptedWebSocket, network, sees } from './support.js';

/** A fetch that counts message submits over HTTP. */
function counting(): { fetch: Fetch; submits: number } {
  const state = { fetch: undefined as unknown as Fetch, submits: 0 };
  state.fetch = (input, init) => {
    if (init?.method === 'POST' && /\/v1\/rooms\/[^/]+\/messages$/.test(String(input))) state.submits++;
    return globalThis.fetch(input, init);
  };
  return state;
}

test('a send to a room of this provider goes over the stream; its answer stands in for the echo', async (t) => {
  const net = await network(t);
  const http = counting();
  const frames: string[] = [];
  const received: { type: string; inPlace?: boolean; seq?: number; sender?: string; kind?: string }[] = [];
  const watching = interceptedWebSocket(
    (frame) => {
      frames.push(frame.type);
      return true;
    },
    (frame) => received.push(frame),
  );
  const alice = await net.register('alice', { fetch: http.fetch, WebSocket: watching });
  const bob = await net.register('bob');
  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob'] });
  await sees(bob, 'joined');

  const sent: Sent[] = [];
  for (const text of ['one', 'two', 'three']) sent.push(await alice.client.send(room.id, text));
  assert.equal(http.submits, 0, 'no message went over HTTP');
  assert.equal(frames.filter((f) => f === 'submit').length, 3, 'three submit frames');
  for (const s of sent) assert.equal(s.queued, false);
  assert.deepEqual(
    sent.map((s) => s.seq! - sent[0]!.seq!),
    [0, 1, 2],
    'consecutive seqs, answered as stored',
  );
  // An answer takes its message's place in the stream when the stream is up to date in the room (not yet, maybe,
  // right after the room was made); otherwise the message comes back in order, as any message would. Either way
  // each message reaches the device once.
  const inPlace = received.filter((f) => f.type === 'submitted' && f.inPlace).map((f) => f.seq);
  const echoed = received.filter(
    (f) => f.type === 'message' && f.kind === 'application' && f.sender === alice.client.user,
  );
  assert.deepEqual(
    [...inPlace, ...echoed.map((f) => f.seq)].sort(),
    sent.map((s) => s.seq).sort(),
    'each message came to alice’s device once, as an answer in its place or as itself',
  );
  assert.ok(inPlace.length > 0, 'answers took their message’s place');
  const last = await sees(bob, 'message', (e) => e.text === 'three');
  assert.equal(last.seq, sent[2]!.seq);

  // Bob's reply comes after alice's own messages, which the stream never sent back: her position moved past
  // them, so the reply is read once and nothing is read twice.
  const reply = await bob.client.send(room.id, 'got them');
  await sees(alice, 'message', (e) => e.id === reply.id);
  const history = await alice.client.history(room.id);
  assert.deepEqual(
    history.map((m) => m.text),
    ['one', 'two', 'three', 'got them'],
  );
  assert.deepEqual(history, await bob.client.history(room.id));
  assert.equal(alice.events.filter((e) => e.type === 'message' && e.text === 'got them').length, 1);
  assert.deepEqual(errors(alice), []);
  assert.deepEqual(errors(bob), []);
});

test('a stream that drops before the answer: the send goes over HTTP with the same clientId, stored once', async (t) => {
  const net = await network(t);
  const http = counting();
  let cuts = 0;
  let readies = 0;
  const clientIds: unknown[] = [];
  // The first submit reaches the provider (and is stored), then the connection drops before its answer.
  const flaky = interceptedWebSocket(
    (frame, { cut, pass }) => {
      if (frame.type !== 'submit') return true;
      clientIds.push(frame.clientId);
      if (cuts > 0) return true;
      cuts++;
      pass();
      cut();
      return false;
    },
    (frame) => {
      if (frame.type === 'ready') readies++;
    },
  );
  const alice = await net.register('alice', { fetch: http.fetch, WebSocket: flaky });
  const bob = await net.register('bob');
  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob'] });
  await sees(bob, 'joined');

  const sent = await alice.client.send(room.id, 'through the outage');
  assert.equal(cuts, 1);
  assert.equal(http.submits, 1, 'the send was submitted again over HTTP');
  assert.equal(sent.queued, false);
  const got = await sees(bob, 'message', (e) => e.text === 'through the outage');
  assert.equal(got.seq, sent.seq, 'the HTTP answer names the message the stream submit stored');

  // The stream comes back by itself and carries the next send; bob has each message once.
  await eventually('alice’s stream is back', () => readies === 2);
  await alice.client.send(room.id, 'and after');
  await sees(bob, 'message', (e) => e.text === 'and after');
  assert.equal(http.submits, 1, 'the next send went over the stream again');
  const texts = (await bob.client.history(room.id)).map((m) => m.text);
  assert.deepEqual(texts, ['through the outage', 'and after']);
  assert.deepEqual(await alice.client.history(room.id), await bob.client.history(room.id));
  assert.equal(new Set(clientIds).size, 2, 'two sends, two clientIds');
});
