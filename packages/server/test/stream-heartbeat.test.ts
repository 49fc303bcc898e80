/**
 * The server's heartbeat: every device stream gets a WebSocket ping each `stream.heartbeatMs`, and a stream that
 * did not answer the one before is cut. A device whose network vanished answers nothing (here: a `ws` client with
 * its automatic pong turned off, which still reads every frame); one that answers, as browsers and `ws` do by
 * themselves, stays connected however long it is idle. Cut, the device resumes from its cursor and loses nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  backends,
  DeviceClient,
  eventually,
  StreamClient,
  startTestProvider,
  type TestProvider,
  text,
} from '@parley/testing';
import WebSocket from 'ws';
import { closedWithin, pause } from './support.js';

const HEARTBEAT_MS = 200;
const backend = backends.find((b) => b.name === 'sqlite')!;

/** An authenticated stream whose socket answers pings or not. */
async function streamOf(device: DeviceClient, answersPings: boolean): Promise<StreamClient> {
  const ws = new WebSocket(`${device.base.replace(/^http/, 'ws')}/v1/stream`, { autoPong: answersPings });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const stream = new StreamClient(ws);
  stream.send({ type: 'auth', token: device.token });
  const ready = await stream.next((f) => f.type === 'ready' || f.type === 'error');
  assert.equal(ready.type, 'ready', JSON.stringify(ready));
  return stream;
}

describe('the stream heartbeat', { skip: backend.skip }, () => {
  let net: TestProvider;
  let alice: DeviceClient;
  let bob: DeviceClient;
  const open: StreamClient[] = [];

  before(async () => {
    net = await startTestProvider(backend, { stream: { heartbeatMs: HEARTBEAT_MS } });
    alice = await DeviceClient.register(net.url, 'alice', undefined, 'alice phone');
    bob = await DeviceClient.register(net.url, 'bob', undefined, 'bob phone');
  });
  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await net?.close();
  });

  it('keeps an idle stream that answers pings', async () => {
    const stream = await streamOf(bob, true);
    open.push(stream);
    await pause(HEARTBEAT_MS * 6);
    assert.equal(stream.ws.readyState, WebSocket.OPEN, 'still open after six heartbeats');
    assert.equal(net.provider.ctx.streams.ofDevice(bob.deviceId).length, 1);
  });

  it('cuts a stream that stops answering, and the device resumes without losing a message', async () => {
    const room = await alice.createRoom(['bob']);
    const silent = await streamOf(bob, false);
    const started = Date.now();
    const closed = await closedWithin(silent, HEARTBEAT_MS * 10);
    const took = Date.now() - started;
    assert.ok(took >= HEARTBEAT_MS, `cut after ${took} ms: not before one unanswered ping`);
    assert.equal(closed.code, 1006, 'cut, not closed politely: the peer is taken for gone');
    // The provider let go of it too: only the answering stream of the test before is left.
    await eventually(
      'the provider drops the cut stream',
      () => net.provider.ctx.streams.ofDevice(bob.deviceId).length === 1,
      5_000,
    );

    // What is sent meanwhile reaches bob when he is back, from his cursor.
    const sent = await alice.submit(room, 'while bob was cut off');
    const back = await streamOf(bob, true);
    open.push(back);
    const frame = await back.next((f) => f.type === 'message' && f.room === room && f.seq === sent.seq);
    assert.equal(frame.type === 'message' && text(frame.payload), 'while bob was cut off');
  });
});
