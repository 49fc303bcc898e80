// A follower fills a gap with `fetchMessages`. However large the messages, the hub's answer stays within what a
// peer accepts (8 MiB by default): a page ends once its payloads pass 4 MiB, and the follower asks on from there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_PAYLOAD_BYTES } from '@parley/protocol';
import { lastSeqOf, post, type RoomsNet, roomsNetwork, storageOf } from './forge.js';

let r: RoomsNet;
before(async () => {
  // No prune while the test reads what the hub keeps.
  r = await roomsNetwork({ retention: { pruneIntervalMs: 3_600_000 } });
});
after(() => r?.close());

describe('fetchMessages', () => {
  it('answers a range of large messages in pages within the answer limit, in order, missing none', async () => {
    const hub = storageOf(r.net, 'a.localhost');
    const start = (await lastSeqOf(r.net, 'a.localhost', r.group))!;
    const count = 70; // 70 × 64 KiB = 4.4 MiB of payload: more than a page
    const stored = await hub.rooms.appendMany(
      Array.from({ length: count }, (_, i) => ({
        room: r.group,
        sender: 'alice',
        device: r.alice.client.deviceId,
        payload: new Uint8Array(MAX_PAYLOAD_BYTES).fill(i),
        ts: Date.now(),
      })),
    );
    assert.ok(stored.every((s) => s.ok));
    const seen: number[] = [];
    const pages: number[] = [];
    let after = start;
    while (after < start + count && pages.length < 10) {
      const answer = await post(r.net, 'b.localhost', 'a.localhost', 'fetchMessages', {
        room: r.group,
        after,
        limit: 100,
      });
      assert.equal(answer.status, 200);
      const messages = answer.body.messages as { seq: number; payload: string }[];
      assert.ok(messages.length > 0, `a page after ${after}`);
      const bytes = messages.reduce((sum, m) => sum + Buffer.from(m.payload, 'base64').byteLength, 0);
      assert.ok(bytes <= 4 * 1024 * 1024 + MAX_PAYLOAD_BYTES, `${bytes} payload bytes in one page`);
      for (const m of messages) {
        assert.equal(m.seq, after + 1, 'consecutive');
        assert.equal(Buffer.from(m.payload, 'base64')[0], m.seq - start - 1, 'its own payload');
        seen.push(m.seq);
        after = m.seq;
      }
      pages.push(messages.length);
    }
    assert.ok(pages.length >= 2, `the range came in pages (${pages.join(', ')})`);
    assert.deepEqual(
      seen,
      Array.from({ length: count }, (_, i) => start + 1 + i),
    );
  });
});
