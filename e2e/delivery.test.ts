/**
 * alice and bob, two devices each, one room, 1,000 payloads: every device receives every payload exactly once,
 * in sequence order — some live, some after reconnecting (over the stream, or by HTTP catch-up). Against every
 * backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  backends,
  DeviceClient,
  type StreamClient,
  startTestProvider,
  type TestProvider,
  text,
} from '@parley/testing';

const TOTAL = Number(process.env.PARLEY_E2E_TOTAL ?? 1000);

/** One device's view: what it received, in arrival order, and how. */
class Receiver {
  readonly got: { seq: number; text: string; how: 'live' | 'catch-up' }[] = [];
  private stream: StreamClient | undefined;
  private since: Record<string, number> = {};
  private closing = false;

  constructor(
    readonly name: string,
    readonly device: DeviceClient,
    readonly room: string,
  ) {}

  async connect(resume: 'since' | 'server-cursor' = 'since') {
    this.stream = await this.device.stream(resume === 'since' ? this.since : undefined);
    let unacked = 0;
    this.stream.subscribe((frame) => {
      if (frame.type !== 'message' || this.closing) return;
      this.take(frame.seq, text(frame.payload), 'live');
      if (++unacked >= 25) {
        unacked = 0;
        this.stream?.send({ type: 'ack', acks: [{ room: this.room, seq: frame.seq }] });
      }
    });
  }

  private take(seq: number, body: string, how: 'live' | 'catch-up') {
    this.got.push({ seq, text: body, how });
    this.since[this.room] = seq;
  }

  /** Acknowledges what it has, then closes; a frame arriving after its last acknowledgement is not taken. */
  async disconnect() {
    this.closing = true;
    const last = this.since[this.room];
    if (last) this.stream?.send({ type: 'ack', acks: [{ room: this.room, seq: last }] });
    await this.stream?.close();
    this.stream = undefined;
    this.closing = false;
  }

  /** Catches up over HTTP in pages before going live again. */
  async catchUpOverHttp() {
    for (;;) {
      const page = await this.device.sync(this.since, 100);
      for (const m of page.messages) this.take(m.seq, text(m.payload), 'catch-up');
      if (!page.more) break;
    }
    const last = this.since[this.room];
    if (last) await this.device.ack([{ room: this.room, seq: last }]);
  }

  async waitFor(count: number, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.got.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
}

for (const backend of backends.filter((b) => b.name !== 'memory')) {
  describe(`delivery of ${TOTAL} payloads on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    before(async () => {
      net = await startTestProvider(backend);
    });
    after(async () => net?.close());

    it('reaches every device exactly once, in order, live and after reconnecting', async () => {
      const a1 = await DeviceClient.register(net.url, 'alice', undefined, 'alice phone');
      const a2 = await DeviceClient.login(net.url, 'alice', undefined, 'alice laptop');
      const b1 = await DeviceClient.register(net.url, 'bob', undefined, 'bob phone');
      const b2 = await DeviceClient.login(net.url, 'bob', undefined, 'bob laptop');
      const room = await a1.createRoom(['bob@a.localhost']);
      const receivers = [
        new Receiver('alice phone', a1, room),
        new Receiver('alice laptop', a2, room),
        new Receiver('bob phone', b1, room),
        new Receiver('bob laptop', b2, room),
      ];
      const [, ra2, rb1, rb2] = receivers as [Receiver, Receiver, Receiver, Receiver];
      for (const r of receivers) await r.connect();

      // Sends run four at a time, from both users; the schedule takes devices off and on line meanwhile.
      const sent = new Map<number, string>();
      const send = async (i: number) => {
        const from = i % 2 === 0 ? a1 : b1;
        const body = `payload ${i} from ${from.handle}`;
        const { seq } = await from.submit(room, body, `c${i}`);
        sent.set(seq, body);
      };
      // What each device missed while off line: the sequences stored between its disconnect and its return.
      const missed = new Map<Receiver, [number, number]>();
      const away = (r: Receiver) => missed.set(r, [sent.size, -1]);
      const back = (r: Receiver) => missed.set(r, [missed.get(r)![0], sent.size]);
      for (let start = 0; start < TOTAL; start += 4) {
        if (start === 200) {
          await Promise.all([ra2.disconnect(), rb2.disconnect()]);
          away(ra2);
          away(rb2);
        }
        if (start === 400) {
          back(ra2);
          await ra2.connect('since');
        }
        if (start === 500) {
          back(rb2);
          await rb2.catchUpOverHttp();
          await rb2.connect('since');
        }
        if (start === 600) {
          await rb1.disconnect();
          away(rb1);
        }
        if (start === 800) {
          back(rb1);
          await rb1.connect('server-cursor');
        }
        await Promise.all([start, start + 1, start + 2, start + 3].filter((i) => i < TOTAL).map(send));
      }
      assert.equal(sent.size, TOTAL);
      assert.deepEqual(
        [...sent.keys()].sort((x, y) => x - y),
        Array.from({ length: TOTAL }, (_, i) => i + 1),
        'sequences are 1..N without gaps',
      );

      for (const r of receivers) await r.waitFor(TOTAL);
      for (const r of receivers) {
        const seqs = r.got.map((g) => g.seq);
        const have = new Set(seqs);
        const missing = [...sent.keys()].filter((s) => !have.has(s));
        assert.equal(
          r.got.length,
          TOTAL,
          `${r.name} received ${r.got.length} payloads; missing ${missing.slice(0, 20)}`,
        );
        assert.deepEqual(
          seqs,
          Array.from({ length: TOTAL }, (_, i) => i + 1),
          `${r.name}: exactly once, in order`,
        );
        for (const g of r.got) assert.equal(g.text, sent.get(g.seq), `${r.name}: payload of seq ${g.seq}`);
      }
      for (const [r, [from, to]] of missed) {
        assert.ok(to - from >= 100, `${r.name} missed ${to - from} payloads while off line`);
        const afterReturn = r.got.filter((g) => g.seq > to);
        assert.ok(
          afterReturn.length >= 100 && afterReturn.every((g) => g.how === 'live'),
          `${r.name} is live again`,
        );
      }
      assert.ok(
        rb2.got.some((g) => g.how === 'catch-up'),
        'bob laptop caught up over HTTP',
      );
      for (const r of receivers) await r.disconnect();
    });
  });
}
