// One measured fan-out: alice's device submits one opaque payload to the hub over HTTP, and the clock runs from
// the submit's start until every device of the room has it on its stream. The message must reach each device
// exactly once, intact, as the sequence number the hub answered, and after everything that device had before;
// anything else, or a device still without it after `deadlineMs`, fails the run. The providers' own /metrics,
// read before and after, tell how long the hub's submit handler and each follower's notify handler took.
import { randomBytes } from 'node:crypto';
import { percentile } from './delivery.ts';
import type { FanoutRoom } from './fanoutRoom.ts';
import type { Connections } from './parleyDevices.ts';
import { type ProviderCounters, readCounters, routeDelta } from './providerMetrics.ts';

export const SUBMIT_ROUTE = '/v1/rooms/:roomId/messages';
export const NOTIFY_ROUTE = '/federation/v1/notify';

export interface ProviderArrivals {
  domain: string;
  devices: number;
  /** Submit start to the first, median and last arrival on this provider's devices, ms. */
  firstMs: number;
  p50Ms: number;
  lastMs: number;
  /**
   * Its handlers' time for this message (the hub: the submit; a follower: the notifies), how many, and the
   * payloads it pushed to streams meanwhile (its devices, plus alice's echo on the hub); not read back to back.
   */
  handlerMs?: number;
  handlerRequests?: number;
  pushed?: number;
}

export interface FanoutMessage {
  seq: number;
  /** Submit start to the hub's answer (stored durably), ms. */
  answeredMs: number;
  /** Submit start to arrival, over all devices, ms; `lastMs` is the headline: the last device has it. */
  arrivals: { firstMs: number; p50Ms: number; p90Ms: number; p99Ms: number; lastMs: number };
  byProvider: ProviderArrivals[];
}

const stat = (sorted: number[]) => ({
  firstMs: sorted[0]!,
  p50Ms: percentile(sorted, 0.5),
  p90Ms: percentile(sorted, 0.9),
  p99Ms: percentile(sorted, 0.99),
  lastMs: sorted.at(-1)!,
});

export class FanoutDriver {
  /** Highest sequence number each device has been given, to check order across messages. */
  private readonly lastSeq: number[];
  private stray: string | undefined;
  private readonly links: Map<string, Connections>;

  constructor(
    private readonly room: FanoutRoom,
    links: { domain: string; connections: Connections }[],
  ) {
    this.lastSeq = room.devices.map(() => 0);
    this.links = new Map(links.map((l) => [l.domain, l.connections]));
    this.idle();
  }

  /** Between messages nothing may arrive and no stream may fail; either fails the next message. */
  private idle(): void {
    for (const d of this.room.devices) {
      d.receiver.onFrame = (f) => {
        if (f.type === 'message') this.stray ??= `a message arrived between runs (#${f.seq} at ${d.user})`;
      };
      d.receiver.onTrouble = (reason) => {
        this.stray ??= `${d.user}: ${reason} between runs`;
      };
    }
    this.room.submit.echo.onFrame = () => {};
    this.room.submit.echo.onTrouble = (reason) => {
      this.stray ??= `alice's ${reason} between runs`;
    };
  }

  private async counters(): Promise<Map<string, ProviderCounters>> {
    const read = await Promise.all(
      [...this.links].map(async ([domain, link]) => [domain, await readCounters(link)] as const),
    );
    return new Map(read);
  }

  /**
   * Sends one message and waits (at most `deadlineMs`) until every device has it, then `settleMs` more. With
   * `counters`, the providers' metrics are read before the submit and after the pause.
   */
  async send(options: { deadlineMs: number; settleMs: number; counters: boolean }): Promise<FanoutMessage> {
    const { deadlineMs, settleMs } = options;
    if (this.stray) throw new Error(`fanout: ${this.stray}`);
    const { room, devices, submit } = this.room;
    const payload = randomBytes(this.room.payloadBytes).toString('base64');
    const landed = new Float64Array(devices.length);
    let count = 0;
    let answered: number | undefined;
    let failure: Error | undefined;
    let settle: (() => void) | undefined;
    const fail = (reason: string) => {
      failure ??= new Error(`fanout: ${reason} (${count} of ${devices.length} arrived)`);
      settle?.();
    };
    const all = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const before = options.counters ? await this.counters() : undefined;
    devices.forEach((d, i) => {
      d.receiver.onTrouble = (reason) => fail(`${d.user}: ${reason}`);
      d.receiver.onFrame = (f) => {
        if (f.type !== 'message') return;
        const at = performance.now();
        if (f.room !== room || f.payload !== payload)
          return fail(`${d.user} got another message (#${f.seq})`);
        if (landed[i] !== 0) return fail(`${d.user} got the message twice`);
        if (f.sender !== this.room.sender) return fail(`${d.user} got it from ${f.sender}`);
        if (f.seq === undefined || f.seq <= this.lastSeq[i]!)
          return fail(`${d.user} got #${f.seq} after #${this.lastSeq[i]}`);
        if (answered !== undefined && f.seq !== answered)
          return fail(`${d.user} got #${f.seq}, the submit was answered #${answered}`);
        this.lastSeq[i] = f.seq;
        landed[i] = at;
        count += 1;
        if (count === devices.length) settle?.();
      };
    });
    submit.echo.onTrouble = (reason) => fail(`alice's ${reason}`);
    const watchdog = setTimeout(() => fail(`not every device had it after ${deadlineMs} ms`), deadlineMs);
    const started = performance.now();
    let answeredAt = 0;
    try {
      const answer = await submit.connections.request(
        'POST',
        `/v1/rooms/${room}/messages`,
        JSON.stringify({ payload, clientId: `fanout-${randomBytes(6).toString('hex')}` }),
        submit.token,
      );
      answeredAt = performance.now();
      const seq = answer.status === 201 ? (JSON.parse(answer.text) as { seq?: unknown }).seq : undefined;
      if (typeof seq !== 'number')
        throw new Error(`fanout: submit answered ${answer.status}: ${answer.text}`);
      answered = seq;
      const wrong = devices.findIndex((_, i) => landed[i] !== 0 && this.lastSeq[i] !== seq);
      if (wrong !== -1) fail(`${devices[wrong]!.user} got #${this.lastSeq[wrong]}, answered #${seq}`);
      await all;
      if (failure) throw failure;
    } finally {
      clearTimeout(watchdog);
      this.idle();
    }
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    const after = before ? await this.counters() : undefined;
    const ms = (i: number) => landed[i]! - started;
    const byProvider = [...this.links.keys()].map((domain, p): ProviderArrivals => {
      const mine = devices.flatMap((d, i) => (d.domain === domain ? [ms(i)] : [])).sort((a, b) => a - b);
      const arrivals = {
        domain,
        devices: mine.length,
        firstMs: mine[0]!,
        p50Ms: percentile(mine, 0.5),
        lastMs: mine.at(-1)!,
      };
      if (!before || !after) return arrivals;
      const handler = routeDelta(
        before.get(domain)!,
        after.get(domain)!,
        p === 0 ? SUBMIT_ROUTE : NOTIFY_ROUTE,
      );
      return {
        ...arrivals,
        handlerMs: handler.ms,
        handlerRequests: handler.count,
        pushed: after.get(domain)!.pushed - before.get(domain)!.pushed,
      };
    });
    const everything = devices.map((_, i) => ms(i)).sort((a, b) => a - b);
    return { seq: answered!, answeredMs: answeredAt - started, arrivals: stat(everything), byProvider };
  }
}
