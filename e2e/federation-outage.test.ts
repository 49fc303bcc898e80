/**
 * Durable delivery across providers, with real processes: a.localhost and b.localhost each run `parley serve` over
 * a database of its own. alice@a.localhost and bob@b.localhost share an encrypted direct room (made with the SDK,
 * so its MLS group is real), two devices each; a is the room's hub. Then their devices talk through the raw
 * client API: the providers never read payloads, so opaque bytes with a clientId each stand in for ciphertext.
 *
 * - b is killed and stays down for more than 30 s while alice sends 500 messages; once b is back, each of bob's
 *   devices receives all 500, once each, in room order.
 * - a is killed in the middle of a 300-message burst: every acknowledged message reaches bob's devices, the
 *   others are sent again with their clientIds after a's restart and stored once, and the room's sequence has
 *   no gap and no repeat.
 *
 * Against SQLite, and PostgreSQL when PARLEY_TEST_POSTGRES_URL is set.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backends } from '@parley/testing';
import { encryptedRoom, hubSeq, OUTAGE_MS, Pair, Receiver, sleep, storedAt } from './outageSupport.js';

for (const backend of backends.filter((b) => b.name !== 'memory')) {
  const name = backend.name as 'sqlite' | 'postgres';
  // The two tests run side by side, each with its own processes and ports: one's burst fills the other's outage.
  // Each takes under a minute here; a hang fails by its own limit, well before the file's.
  const options = { skip: backend.skip, concurrency: true, timeout: 300_000 };
  describe(`delivery between provider processes on ${name}`, options, () => {
    it('b is down for over 30 s while alice sends 500: bob’s devices get each once, in order', async (t) => {
      const pair = await Pair.start(t, name);
      const { room, alice, bob } = await encryptedRoom(pair);
      const base = await hubSeq(alice[0], room);

      await pair.kill('b.localhost');
      const downAt = Date.now();

      // alice@a sends 500 from both devices, four at a time; her own provider, the hub, stores each at once.
      const TOTAL = 500;
      const sent = new Map<number, string>();
      const send = async (i: number) => {
        const body = `while b is down ${i}`;
        const { seq, duplicate } = await alice[i % 2]!.submit(room, body, `down-${i}`);
        assert.equal(duplicate, false);
        sent.set(seq, body);
      };
      for (let i = 0; i < TOTAL; i += 4) {
        await Promise.all([i, i + 1, i + 2, i + 3].filter((j) => j < TOTAL).map(send));
      }
      assert.deepEqual(
        [...sent.keys()].sort((x, y) => x - y),
        Array.from({ length: TOTAL }, (_, i) => base + 1 + i),
        'the hub stored the 500 as the next seqs, without gaps',
      );

      const downFor = Date.now() - downAt;
      await sleep(Math.max(0, OUTAGE_MS - downFor) + 500);
      assert.ok(Date.now() - downAt > OUTAGE_MS, 'b was down for more than 30 s');
      await pair.up('b.localhost');

      // One device resumes after what it has; the other from the cursor b kept for it.
      const phone = new Receiver('bob phone', bob[0], room, base);
      const laptop = new Receiver('bob laptop', bob[1], room, base);
      await phone.connect('since');
      await laptop.connect('server-cursor');
      try {
        // A last message after the outage: once it is in, everything before it had its chance to arrive.
        const last = await alice[0].submit(room, 'after the outage', 'down-last');
        sent.set(last.seq, 'after the outage');
        assert.equal(last.seq, base + TOTAL + 1);
        const restartedAt = Date.now();
        for (const r of [phone, laptop]) {
          await r.waitFor(last.seq, () => pair.logs());
          r.check(sent, last.seq);
        }
        t.diagnostic(`bob's devices had all ${TOTAL + 1} ${Date.now() - restartedAt} ms after b was back`);
        const stored = await storedAt(bob[0], room, base);
        assert.deepEqual(
          stored.map((m) => m.seq),
          Array.from({ length: TOTAL + 1 }, (_, i) => base + 1 + i),
          'b stored the room once, in order',
        );
        for (const m of stored) assert.equal(m.body, sent.get(m.seq), `b's payload of seq ${m.seq}`);
      } finally {
        await phone.close();
        await laptop.close();
      }
    });

    it('a is killed mid-burst: every acknowledged message reaches b once, retries are stored once', async (t) => {
      const pair = await Pair.start(t, name);
      const { room, alice, bob } = await encryptedRoom(pair);
      const base = await hubSeq(alice[0], room);
      const phone = new Receiver('bob phone', bob[0], room, base);
      const laptop = new Receiver('bob laptop', bob[1], room, base);
      await phone.connect('since');
      await laptop.connect('server-cursor');

      try {
        // Six lanes (three per device of alice's) send 300; a dies the moment the 100th answer is in. A lane stops
        // at its first failed submit.
        const TOTAL = 300;
        const LANES = 6;
        const items = Array.from({ length: TOTAL }, (_, i) => ({
          clientId: `burst-${i}`,
          body: `burst ${i}`,
          device: alice[i % 2]!,
        }));
        const acked = new Map<string, number>(); // clientId → seq
        let killing: Promise<void> | undefined;
        const lane = async (l: number) => {
          for (let i = l; i < TOTAL; i += LANES) {
            const item = items[i]!;
            try {
              const { seq } = await item.device.submit(room, item.body, item.clientId);
              acked.set(item.clientId, seq);
            } catch {
              return;
            }
            if (acked.size >= 100 && !killing) killing = pair.kill('a.localhost');
          }
        };
        await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
        assert.ok(killing, 'a was killed during the burst');
        await killing;
        assert.ok(acked.size >= 100, `${acked.size} acknowledged before the kill`);
        assert.ok(acked.size < TOTAL, 'the kill came in the middle of the burst');
        const ackedBefore = new Map(acked);

        await pair.up('a.localhost');

        // The acknowledged ones answer as duplicates with their seq; the rest are stored now, or were already.
        let duplicates = 0;
        for (const item of items.filter((x) => ackedBefore.has(x.clientId)).slice(0, 10)) {
          const again = await item.device.submit(room, item.body, item.clientId);
          assert.deepEqual(
            [again.seq, again.duplicate],
            [ackedBefore.get(item.clientId), true],
            `${item.clientId} sent again`,
          );
        }
        const retry = items.filter((x) => !ackedBefore.has(x.clientId));
        for (let i = 0; i < retry.length; i += 4) {
          await Promise.all(
            retry.slice(i, i + 4).map(async (item) => {
              const r = await item.device.submit(room, item.body, item.clientId);
              if (r.duplicate) duplicates++;
              acked.set(item.clientId, r.seq);
            }),
          );
        }
        t.diagnostic(
          `${ackedBefore.size} acknowledged before the kill, ${duplicates} of ${retry.length} retries had been stored`,
        );

        const expected = new Map<number, string>();
        for (const item of items) {
          const seq = acked.get(item.clientId);
          assert.ok(seq !== undefined, `${item.clientId} has a seq`);
          assert.ok(!expected.has(seq), `seq ${seq} was given to one message only`);
          expected.set(seq, item.body);
        }
        assert.deepEqual(
          [...expected.keys()].sort((x, y) => x - y),
          Array.from({ length: TOTAL }, (_, i) => base + 1 + i),
          'the hub stored the burst as the next seqs, without gaps',
        );

        const last = await alice[0].submit(room, 'after the crash', 'burst-last');
        expected.set(last.seq, 'after the crash');
        assert.equal(last.seq, base + TOTAL + 1);
        for (const r of [phone, laptop]) {
          await r.waitFor(last.seq, () => pair.logs());
          r.check(expected, last.seq);
        }
        const bodies = phone.got.map((g) => g.body);
        for (const [clientId, seq] of ackedBefore) {
          assert.equal(bodies.filter((b) => b === expected.get(seq)).length, 1, `${clientId} arrived once`);
        }
        const stored = await storedAt(bob[0], room, base);
        assert.deepEqual(
          stored.map((m) => m.seq),
          Array.from({ length: TOTAL + 1 }, (_, i) => base + 1 + i),
          'b stored the room once, in order',
        );
        for (const m of stored) assert.equal(m.body, expected.get(m.seq), `b's payload of seq ${m.seq}`);
      } finally {
        await phone.close();
        await laptop.close();
      }
    });
  });
}
