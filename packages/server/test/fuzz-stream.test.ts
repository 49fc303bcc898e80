/**
 * Property tests on a real provider's WebSocket stream: random frames (text, JSON, mutated valid frames, binary,
 * oversized), before or after auth. Whatever arrives, the socket answers with error frames or closes with
 * 1009 or a 4xxx code, never crashes, still authenticates and pongs, and leaves the registry when closed.
 * Against every backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { b64, backends, call, DeviceClient, startTestProvider, type TestProvider } from '@parley/testing';
import fc from 'fast-check';
import { mutate, RUN_TIMEOUT_MS, RUNS, Socket } from './fuzzing.js';

for (const backend of backends) {
  describe(`fuzzing the stream on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    let mallory: DeviceClient;
    let room: string;
    before(async () => {
      net = await startTestProvider(backend, { stream: { maxFrameBytes: 4096 } });
      mallory = await DeviceClient.register(net.url, 'mallory');
      room = await mallory.createRoom([]);
    });
    after(async () => net?.close());

    type Frame = { text: string } | { binary: Uint8Array };
    const frame: fc.Arbitrary<Frame> = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 100 }).map((text) => ({ text })),
      fc.json().map((text) => ({ text })),
      fc.anything({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) ?? 'undefined' })),
      fc
        .oneof(
          mutate({ type: 'auth', token: 'pt_wrong', since: { aaaaaaaaaaaa: 1 } }),
          mutate({ type: 'ack', acks: [{ room: 'aaaaaaaaaaaa', seq: 1 }] }),
          mutate({ type: 'submit', ref: 1, room: 'aaaaaaaaaaaa', payload: b64('x'), clientId: 'w' }),
          mutate({ type: 'ping' }),
          fc.constant({ type: 'pong' }),
        )
        .map((v) => ({ text: JSON.stringify(v) })),
      fc.uint8Array({ maxLength: 100 }).map((binary) => ({ binary })),
      fc.constant({ text: 'x'.repeat(5_000) }),
    );

    it('random frames, before or after auth, get error frames or a 4xxx/1009 close, never a crash', async () => {
      // Frames that name a real room reach storage: an ack, and a submit (which then is a real message).
      const real = fc.constantFrom(
        { text: JSON.stringify({ type: 'ack', acks: [{ room, seq: 1 }] }) },
        { text: JSON.stringify({ type: 'submit', ref: 2, room, payload: b64('fuzz') }) },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.boolean(),
          fc.array(fc.oneof(frame, real), {
            minLength: 1,
            maxLength: 6,
          }),
          async (authFirst, frames) => {
            const socket = await Socket.open(net.url);
            try {
              if (authFirst) {
                socket.send({ text: JSON.stringify({ type: 'auth', token: mallory.token }) });
                assert.equal(await socket.until((f) => f.type === 'ready'), 'match');
              }
              for (const f of frames) socket.send(f);
              // Then the one thing that must still work, unless the socket was (rightly) closed.
              if (!socket.frames.some((f) => f.type === 'ready')) {
                socket.send({ text: JSON.stringify({ type: 'auth', token: mallory.token }) });
                await socket.until((f) => f.type === 'ready');
              }
              if (socket.closeCode === undefined) {
                socket.send({ text: JSON.stringify({ type: 'ping' }) });
                await socket.until((f) => f.type === 'pong');
              }
              if (socket.closeCode !== undefined) {
                assert.ok(
                  socket.closeCode === 1009 || (socket.closeCode >= 4000 && socket.closeCode < 5000),
                  `closed with ${socket.closeCode}`,
                );
              } else {
                assert.ok(
                  socket.frames.some((f) => f.type === 'pong'),
                  'a pong after the junk',
                );
              }
              for (const f of socket.frames) {
                assert.ok(
                  ['ready', 'message', 'submitted', 'pong', 'error'].includes(String(f.type)),
                  String(f.type),
                );
                if (f.type === 'error') {
                  assert.equal(typeof f.code, 'string');
                  assert.equal(typeof f.message, 'string');
                  assert.notEqual(f.code, 'internal', JSON.stringify(f));
                }
              }
            } finally {
              await socket.close();
            }
          },
        ),
        { numRuns: RUNS * 2, timeout: RUN_TIMEOUT_MS },
      );
      assert.equal((await call(net.url, 'GET', '/health')).status, 200);
      const deadline = Date.now() + 2_000;
      while (net.provider.ctx.streams.size > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(net.provider.ctx.streams.size, 0, 'every closed socket left the registry');
    });
  });
}
