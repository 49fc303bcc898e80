/**
 * Durability: a provider process killed with SIGKILL right after acknowledging submits loses none of them; one
 * stopped with SIGTERM finishes the writes under way and exits cleanly. Against SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backends, DeviceClient, processStorage, spawnProvider, text } from '@parley/testing';

for (const backend of backends.filter((b) => b.name !== 'memory')) {
  const name = backend.name as 'sqlite' | 'postgres';
  describe(`a provider process on ${name}`, { skip: backend.skip }, () => {
    it('keeps every acknowledged payload through SIGKILL and delivers it after restart', async () => {
      const store = processStorage(name);
      try {
        const first = await spawnProvider({ domain: 'a.localhost', ...store });
        const alice = await DeviceClient.register(first.url, 'alice');
        const bob = await DeviceClient.register(first.url, 'bob');
        const room = await alice.createRoom(['bob']);

        // Fifty submits race; the process dies the moment the tenth acknowledgement is in.
        const acked = new Map<number, string>();
        let killed = false;
        await Promise.allSettled(
          Array.from({ length: 50 }, async (_, i) => {
            const body = `crash test ${i}`;
            const { seq } = await alice.submit(room, body);
            if (killed) return;
            acked.set(seq, body);
            if (acked.size === 10) {
              killed = true;
              first.child.kill('SIGKILL');
            }
          }),
        );
        await first.exited;
        assert.ok(acked.size >= 10, `${acked.size} acknowledged before the kill`);

        const second = await spawnProvider({ domain: 'a.localhost', ...store });
        try {
          const again = new DeviceClient(second.url, bob.user, bob.deviceId, bob.token);
          const stream = await again.stream();
          const seen = new Map<number, string>();
          const page = await again.sync();
          for (const m of page.messages) seen.set(m.seq, text(m.payload));
          for (const [seq, body] of acked)
            assert.equal(seen.get(seq), body, `acknowledged seq ${seq} survived`);
          const seqs = [...seen.keys()].sort((x, y) => x - y);
          assert.deepEqual(
            seqs,
            seqs.map((_, i) => i + 1),
            'no gaps, no duplicates',
          );
          // The restarted provider pushes the same payloads to bob's device over its stream.
          await stream.next((f) => f.type === 'message' && f.seq === seqs.at(-1));
          assert.deepEqual(
            stream.messages().map((m) => m.seq),
            seqs,
          );
          await stream.close();
        } finally {
          second.child.kill('SIGTERM');
          await second.exited;
        }
      } finally {
        await store.remove();
      }
    });

    it('finishes the writes under way on SIGTERM and exits 0', async () => {
      const store = processStorage(name);
      try {
        const first = await spawnProvider({ domain: 'a.localhost', ...store });
        const alice = await DeviceClient.register(first.url, 'alice');
        const room = await alice.createRoom([]);
        // Four senders keep submitting; the signal comes once ten are acknowledged, with more under way.
        const acked: number[] = [];
        let signalled = false;
        const sender = async (lane: number) => {
          for (let i = 0; i < 200; i++) {
            const { seq } = await alice.submit(room, `shutdown ${lane}.${i}`);
            acked.push(seq);
            if (acked.length === 10 && !signalled) {
              signalled = true;
              first.child.kill('SIGTERM');
            }
          }
        };
        await Promise.allSettled([0, 1, 2, 3].map(sender));
        assert.equal(await first.exited, 0, first.output());
        assert.ok(acked.length >= 10);

        const second = await spawnProvider({ domain: 'a.localhost', ...store });
        try {
          const again = new DeviceClient(second.url, alice.user, alice.deviceId, alice.token);
          const { body } = await again.call('GET', `/v1/rooms/${room}/messages?after=0&limit=100`);
          const stored = new Set(body.messages.map((m: { seq: number }) => m.seq));
          for (const seq of acked) assert.ok(stored.has(seq), `acknowledged seq ${seq} is stored`);
        } finally {
          second.child.kill('SIGTERM');
          await second.exited;
        }
      } finally {
        await store.remove();
      }
    });
  });
}
