// The stream's first connection against a provider that accepts the WebSocket and reads the auth frame but never
// answers `ready` (its storage stuck, say): `connect()` must fail by itself, not wait for ever, and a later
// attempt after a drop must be retried the same way. A real `ws` server on loopback plays that provider.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { SdkError } from '../src/errors.js';
import { Stream } from '../src/transport/stream.js';

async function silentServer(answerReady: (n: number) => boolean) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let connections = 0;
  const auths: unknown[] = [];
  server.on('connection', (socket) => {
    const n = ++connections;
    socket.on('message', (data) => {
      auths.push(JSON.parse(data.toString()));
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

const options = (server: string, readyMs: number) => ({
  server,
  WebSocket: WebSocket as never,
  token: () => 'token',
  since: async () => ({}),
  onFrame: () => {},
  readyMs,
});

describe('the stream against a provider that never says ready', () => {
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
      const until = Date.now() + 10_000;
      while (readies < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.equal(readies, 2, 'ready again after the silent attempt');
      assert.equal(server.connections(), 3, 'the silent attempt was given up and retried');
      assert.ok(stream.open);
    } finally {
      stream.close();
      await server.close();
    }
  });
});
