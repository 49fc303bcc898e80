/**
 * The WebSocket stream: the auth frame and its deadline, frames the server does not understand, live pushes to
 * every device of every member, resuming with `since`, submits over the stream, and what a removed member stops
 * receiving. Against every backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '@parley/protocol';
import {
  b64,
  backends,
  DeviceClient,
  type StreamClient,
  startTestProvider,
  type TestProvider,
  text,
} from '@parley/testing';
import { closedWithin, openStream, pause } from './support.js';

const AUTH_TIMEOUT_MS = 300;

type MessageFrame = Extract<ServerFrame, { type: 'message' }>;
const isMessage =
  (room: string, seq?: number) =>
  (f: ServerFrame): f is MessageFrame =>
    f.type === 'message' && f.room === room && (seq === undefined || f.seq === seq);
const isError = (f: ServerFrame) => f.type === 'error';
const received = (stream: StreamClient, room: string) =>
  stream
    .messages()
    .filter((m) => m.room === room)
    .map((m) => text(m.payload));

for (const backend of backends) {
  describe(`stream on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    let alice: DeviceClient;
    let bob: DeviceClient;
    const open: StreamClient[] = [];
    const stream = async (device: DeviceClient, since?: Record<string, number>) => {
      const s = await device.stream(since);
      open.push(s);
      return s;
    };

    before(async () => {
      net = await startTestProvider(backend, { stream: { authTimeoutMs: AUTH_TIMEOUT_MS } });
      alice = await DeviceClient.register(net.url, 'alice', undefined, 'alice phone');
      bob = await DeviceClient.register(net.url, 'bob', undefined, 'bob phone');
    });
    after(async () => {
      await Promise.all(open.map((s) => s.close()));
      await net?.close();
    });

    it('a socket that never authenticates is closed with 4001 after the deadline', async () => {
      const started = Date.now();
      const silent = await openStream(net.url);
      const closed = await closedWithin(silent, 5_000);
      assert.equal(closed.code, 4001);
      assert.ok(Date.now() - started >= AUTH_TIMEOUT_MS - 50, `closed after ${Date.now() - started} ms`);
    });

    it('a bad token is refused with 4001, well-formed or not', async () => {
      for (const token of ['pt_not-a-real-token', 'x']) {
        const ws = await openStream(net.url);
        ws.send({ type: 'auth', token });
        assert.equal((await closedWithin(ws)).code, 4001);
      }
    });

    it('frames it does not understand get an error frame; the socket stays usable', async () => {
      const ws = await openStream(net.url);
      open.push(ws);
      ws.send({ type: 'ping' });
      assert.equal(((await ws.next(isError)) as { code: string }).code, 'unauthenticated');
      ws.ws.send('this is not json');
      assert.equal(((await ws.next(isError)) as { code: string }).code, 'invalidRequest');
      ws.send({ type: 'auth', token: alice.token });
      assert.equal((await ws.next((f) => f.type === 'ready' || f.type === 'error')).type, 'ready');

      const junk: (string | Buffer)[] = [
        '{"type":"launch"}',
        '[1,2,3]',
        'null',
        '"auth"',
        '{"type":"submit","room":"aaaaaaaaaaaa","payload":"AA=="}',
        '{"type":"ack","acks":[]}',
        '{"type":"ping","extra":1}',
        '{',
        Buffer.from([0, 1, 2, 255]),
      ];
      for (const frame of junk) {
        ws.ws.send(frame, { binary: Buffer.isBuffer(frame) });
        const answer = await ws.next(isError);
        assert.equal((answer as { code: string }).code, 'invalidRequest', `answer to ${String(frame)}`);
      }
      ws.send({ type: 'auth', token: alice.token });
      assert.equal(((await ws.next(isError)) as { code: string }).code, 'badRequest');
      ws.send({ type: 'ping' });
      assert.equal((await ws.next((f) => f.type === 'pong' || f.type === 'error')).type, 'pong');
    });

    it('a frame over stream.maxFrameBytes closes the socket with 1009', async () => {
      const ws = await openStream(net.url);
      ws.send({ type: 'auth', token: alice.token });
      await ws.next((f) => f.type === 'ready');
      ws.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(300 * 1024) }));
      assert.equal((await closedWithin(ws)).code, 1009);
    });

    it('a text frame that is not UTF-8 closes the socket with 1007 (RFC 6455); the server goes on', async () => {
      const ws = await openStream(net.url);
      ws.ws.send(Buffer.from([0xff, 0xfe, 0x41]), { binary: false });
      assert.equal((await closedWithin(ws)).code, 1007);
      const next = await stream(alice);
      next.send({ type: 'ping' });
      await next.next((f) => f.type === 'pong');
    });

    it("a message reaches every device of every member, the sender's own devices included", async () => {
      const laptop = await DeviceClient.login(net.url, 'alice', undefined, 'alice laptop');
      const room = await alice.createRoom(['bob']);
      const streams = await Promise.all([alice, laptop, bob].map((d) => stream(d)));
      const carol = await DeviceClient.register(net.url, 'carol');
      const outsider = await stream(carol);
      const sent = await alice.submit(room, 'hello everyone');
      for (const s of streams) {
        const frame = (await s.next(isMessage(room, sent.seq))) as MessageFrame;
        assert.equal(text(frame.payload), 'hello everyone');
        assert.equal(frame.sender, 'alice@a.localhost');
        assert.equal(frame.device, alice.deviceId);
      }
      const control = await carol.createRoom([]);
      await carol.submit(control, 'only for carol');
      await outsider.next(isMessage(control, 1));
      assert.deepEqual(received(outsider, room), [], 'a non-member hears nothing');
    });

    it('resuming with since sends only what came later', async () => {
      const room = await alice.createRoom(['bob']);
      const first = await stream(bob);
      for (const i of [1, 2, 3]) await alice.submit(room, `m${i}`);
      await first.next(isMessage(room, 3));
      await first.close();
      for (const i of [4, 5]) await alice.submit(room, `m${i}`);
      const resumed = await stream(bob, { [room]: 3 });
      await resumed.next(isMessage(room, 5));
      await alice.submit(room, 'm6');
      await resumed.next(isMessage(room, 6));
      assert.deepEqual(received(resumed, room), ['m4', 'm5', 'm6']);
      // Without since, the never-acknowledged messages come again: the server cursor is still at 0.
      const fromCursor = await stream(bob);
      await fromCursor.next(isMessage(room, 6));
      assert.deepEqual(received(fromCursor, room), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    });

    it('an ack frame moves the server cursor', async () => {
      const room = await alice.createRoom(['bob']);
      const tablet = await DeviceClient.login(net.url, 'bob', undefined, 'bob tablet');
      const s = await stream(tablet);
      for (const i of [1, 2, 3]) await alice.submit(room, `a${i}`);
      await s.next(isMessage(room, 3));
      s.send({ type: 'ack', acks: [{ room, seq: 2 }] });
      const deadline = Date.now() + 5_000;
      let pending: string[] = [];
      while (Date.now() < deadline) {
        pending = texts(await tablet.sync(), room);
        if (pending.length === 1) break;
        await pause(25);
      }
      assert.deepEqual(pending, ['a3']);
    });

    it('a submit frame is answered with submitted and its ref, after the commit', async () => {
      const room = await alice.createRoom(['bob']);
      const s = await stream(alice);
      const listener = await stream(bob);
      s.send({ type: 'submit', ref: 7, room, payload: b64('over the stream'), clientId: 'ws-1' });
      const done = await s.next((f) => f.type === 'submitted' || f.type === 'error');
      assert.deepEqual(
        { ...done, ts: 0, inPlace: undefined },
        { type: 'submitted', ref: 7, room, seq: 1, ts: 0, duplicate: false, inPlace: undefined },
      );
      const stored = await alice.call('GET', `/v1/rooms/${room}/messages`);
      assert.deepEqual(texts(stored.body, room), ['over the stream']);
      await listener.next(isMessage(room, 1));

      s.send({ type: 'submit', ref: 8, room, payload: b64('over the stream'), clientId: 'ws-1' });
      const again = await s.next((f) => f.type === 'submitted' || f.type === 'error');
      assert.deepEqual(
        { ...again, ts: 0 },
        { type: 'submitted', ref: 8, room, seq: 1, ts: 0, duplicate: true, inPlace: false },
      );

      s.send({ type: 'submit', ref: 9, room: 'aaaaaaaaaaaaaaaaaaaaaaaaaa', payload: b64('lost') });
      const refused = await s.next((f) => f.type === 'submitted' || f.type === 'error');
      assert.deepEqual(
        {
          type: refused.type,
          ref: (refused as { ref?: number }).ref,
          code: (refused as { code?: string }).code,
        },
        { type: 'error', ref: 9, code: 'noSuchRoom' },
      );
    });

    it('a stream up to date gets the submitted answer in place of its own message, in order', async () => {
      const room = await alice.createRoom(['bob']);
      const s = await stream(alice);
      await alice.submit(room, 'first, over HTTP');
      await s.next(isMessage(room, 1));
      s.send({ type: 'submit', ref: 1, room, payload: b64('second, over the stream'), clientId: 'ip-1' });
      const answer = await s.next((f) => f.type === 'submitted' || f.type === 'error');
      assert.deepEqual(
        { ...answer, ts: 0 },
        { type: 'submitted', ref: 1, room, seq: 2, ts: 0, duplicate: false, inPlace: true },
      );
      await alice.submit(room, 'third, over HTTP');
      await s.next(isMessage(room, 3));
      // The stream went 1, answer for 2, 3: the second message itself was never sent back.
      const order = s.frames
        .filter((f) => (f.type === 'message' || f.type === 'submitted') && f.room === room)
        .map((f) => `${f.type}:${(f as { seq: number }).seq}`);
      assert.deepEqual(order, ['message:1', 'submitted:2', 'message:3']);
      // bob's devices, and a resumed stream of alice's, still get it as a message.
      const later = await stream(alice, { [room]: 1 });
      await later.next(isMessage(room, 2));
      assert.deepEqual(received(later, room).slice(0, 1), ['second, over the stream']);
    });

    it("bob's stream stops receiving a room once alice removes him", async () => {
      const room = await alice.createRoom(['bob']);
      const control = await alice.createRoom(['bob']);
      const s = await stream(bob);
      await alice.submit(room, 'while a member');
      await s.next(isMessage(room, 1));
      assert.equal((await alice.call('DELETE', `/v1/rooms/${room}/members/bob`)).status, 204);
      await alice.submit(room, 'after removal');
      await alice.submit(control, 'control');
      await s.next(isMessage(control, 1));
      await pause(100);
      assert.deepEqual(received(s, room), ['while a member']);
    });
  });
}

function texts(
  page: { messages: MessageFrame[] | { room: string; payload: string }[] },
  room: string,
): string[] {
  return page.messages.filter((m) => m.room === room).map((m) => text(m.payload));
}
