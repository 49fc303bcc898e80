// The SDK's WebSocket on Node sends the frames of one event-loop turn in one write: a burst of submits reaches
// the provider as one read, and so one group commit, rather than one read per frame; and it masks them natively. Checked on the socket itself
// (its queue holds the turn's frames until the turn ends) and at a real `ws` server on loopback (every frame
// arrives, whole and in order).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { eventually } from '@parley/testing';
import { WebSocketServer } from 'ws';
import { CorkingWebSocket } from '../src/node/webSocket.js';

async function echoCounter() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const frames: string[] = [];
  server.on('connection', (socket) => socket.on('message', (data) => frames.push(data.toString())));
  const port = (server.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}`, frames, close: () => new Promise((r) => server.close(r)) };
}

async function opened(url: string): Promise<CorkingWebSocket> {
  const ws = new CorkingWebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

describe('the Node WebSocket', () => {
  it('masks its frames with bufferutil’s native code, which ws loads when it is installed', () => {
    // An optional dependency: without its prebuilt binary ws masks in JavaScript, which works but costs the
    // client and the provider (which unmasks) a few µs a frame. On this machine the binary must load.
    const bufferutil = createRequire(import.meta.url)('bufferutil') as { mask: () => void };
    assert.match(String(bufferutil.mask), /\[native code\]/);
  });

  it('holds the frames of one turn and writes them together when the turn ends', async () => {
    const server = await echoCounter();
    const ws = await opened(server.url);
    try {
      const raw = (ws as unknown as { _socket: Socket })._socket;
      const texts = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'submit', ref: i + 1 }));
      for (const text of texts) ws.send(text);
      // Still in the same turn: all fifty are queued on the corked socket, none written yet.
      assert.equal(raw.writableCorked, 1);
      assert.ok(raw.writableLength >= texts.join('').length, `queued ${raw.writableLength} bytes`);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(raw.writableCorked, 0);
      await eventually('every frame arrived', () => server.frames.length === texts.length);
      assert.deepEqual(server.frames, texts);
      // A later turn corks again, and its frames follow the first ones in order.
      ws.send('{"type":"ping"}');
      assert.equal(raw.writableCorked, 1);
      await eventually('the later frame arrived', () => server.frames.length === texts.length + 1);
      assert.equal(server.frames.at(-1), '{"type":"ping"}');
    } finally {
      ws.terminate();
      await server.close();
    }
  });

  it('sends nothing corked before it is open, and closes cleanly', async () => {
    const server = await echoCounter();
    const ws = new CorkingWebSocket(server.url);
    // ws refuses a send while connecting; the cork must not get in the way of that error.
    assert.throws(() => ws.send('early'), /CONNECTING/);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    ws.send('{"type":"ack","acks":[]}');
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.close();
    await closed;
    await eventually('the frame before the close arrived', () => server.frames.length === 1);
    await server.close();
  });
});
