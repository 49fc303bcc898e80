// The stream against providers that go quiet. One accepts the WebSocket and reads the auth frame but never answers
// `ready` (its storage stuck, say): `connect()` must fail by itself, not wait for ever, and a later attempt after
// a drop must be retried the same way. Another stops answering pings on a connection that stays open (what a
// phone that changed networks sees): the stream must drop it and reconnect. A real `ws` server on loopback plays
// the provider.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { eventually } from '@parley/testing';
import { WebSocket, WebSocketServer } from 'ws';
import { SdkError } from '../src/errors.js';
import { Stream } from '../src/transport/stream.js';

/** A provider that answers the auth frame of connection n with `ready` if `answerReady(n)`, and pings with `pong` while `answerPing(n)`. */
async function silentServer(
  answerReady: (n: number) => boolean,
  answerPing: (n: number) => boolean = () => true,
) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let connections = 0;
  const auths: unknown[] = [];
  server.on('connection', (socket) => {
    const n = ++connections;
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string };
      if (frame.type === 'ping') {
        if (answerPing(n)) socket.send(JSON.stringify({ type: 'pong' }));
        return;
      }
      auths.push(frame);
      if (answerReady(n))
        socket.send(JSON.stringify({ type: 'ready', device: 'd1', user: 'bob@b.localhost' }));
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    auths,
    connections: () => connections,
    dropAll: () => {
      for (const c of server.clients) c.terminate();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const options = (server: string, readyMs: number, pingMs = 25_000) => ({
  server,
  WebSocket: WebSocket as never,
  token: () => 'token',
  since: async () => ({}),
  onFrame: () => {},
  readyMs,
  pingMs,
});

describe('the stream against a provider that goes quiet', () => {
  it('fails the first connection as `network` once the wait for ready is over', async () => {
    const server = await silentServer(() => false);
    const stream = new Stream(options(server.url, 300));
    try {
      const started = Date.now();
      const error = await stream.connect().then(
        () => assert.fail('connected without ready'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SdkError, String(error));
      assert.equal(error.code, 'network');
      assert.match(error.message, /not ready within 300 ms/);
      assert.ok(Date.now() - started >= 250, 'it waited for ready first');
      assert.equal(server.auths.length, 1, 'the auth frame was sent');
      // Nothing is retried after a failed first attempt: its caller decides.
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(server.connections(), 1);
    } finally {
      stream.close();
      await server.close();
    }
  });

  it('retries a reconnection that never becomes ready, and is back once the provider answers', async () => {
    // The first connection is answered, the second (after a drop) is not, the third is.
    const server = await silentServer((n) => n !== 2);
    let readies = 0;
    const stream = new Stream({ ...options(server.url, 300), onReady: () => readies++ });
    try {
      await stream.connect();
      assert.equal(readies, 1);
      server.dropAll();
      await eventually('ready again after the silent attempt', () => readies === 2, 10_000);
      assert.equal(server.connections(), 3, 'the silent attempt was given up and retried');
      assert.ok(stream.open);
    } finally {
      stream.close();
      await server.close();
    }
  });

  it('drops a connection that stops answering pings and reconnects', async () => {
    // Connection 1 answers pings for a while, then falls silent though it stays open; connection 2 answers.
    let quiet = false;
    const server = await silentServer(
      () => true,
      (n) => n !== 1 || !quiet,
    );
    let readies = 0;
    const errors: string[] = [];
    const stream = new Stream({
      ...options(server.url, 5_000, 100),
      onReady: () => readies++,
      onError: (e) => errors.push(e.message),
    });
    try {
      await stream.connect();
      await new Promise((r) => setTimeout(r, 500)); // five pings answered: nothing happens
      assert.equal(server.connections(), 1);
      quiet = true;
      const silentAt = Date.now();
      await eventually('ready on a second connection', () => readies === 2, 10_000);
      assert.equal(server.connections(), 2);
      assert.ok(Date.now() - silentAt >= 200, 'it waited two ping intervals first');
      assert.deepEqual(errors, ['stream closed (1006: no answer to ping)']);
      await new Promise((r) => setTimeout(r, 500)); // the new connection answers: it stays
      assert.equal(server.connections(), 2);
      assert.ok(stream.open);
    } finally {
      stream.close();
      await server.close();
    }
  });
});
