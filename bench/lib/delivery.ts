// The delivery benchmark's common ground: what a system under test offers (Parley today, an XMPP server beside it
// later), and the driver that pushes N messages through it with a window of submits outstanding, times each from
// its submit's start to its arrival on the receiving device, and fails the run unless every message arrived
// exactly once and in order.
import { randomBytes } from 'node:crypto';

/** What one system under test reports about its set-up, for the table notes and the JSON. */
export interface SystemInfo {
  /** Bytes of each message payload as its server stores and forwards it. */
  payloadBytes: number;
  notes: string[];
  details: Record<string, unknown>;
}

/** A sender on one server and a receiving device on another, with their servers started by `setup`. */
export interface DeliverySystem {
  /** Row label, e.g. `Parley`. */
  name: string;
  setup(): Promise<SystemInfo>;
  /** Sends `n` messages, at most `inFlight` submits outstanding; resolves once all arrived and were checked. */
  send(n: number, inFlight: number): Promise<DeliveryRun>;
  /** Stops whatever `setup` started, also after a failed or partial set-up. */
  teardown(): Promise<void>;
}

export interface DeliveryRun {
  messages: number;
  inFlight: number;
  /** From the first submit's start to the last arrival. */
  seconds: number;
  messagesPerSecond: number;
  /** Submit start to arrival on the receiving device, per message. */
  latencyMs: Spread;
  /** Submit start to the sender's server's answer (accepted, durably stored), per message. */
  acceptMs: Spread;
  /** The message that waited longest: its place in submit order and how its time split. */
  slowest: { index: number; acceptMs: number; latencyMs: number };
  /** Median latency of each tenth of the messages, in submit order: a rising line is a growing queue. */
  latencyByTenthMs: number[];
}

export interface Spread {
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

function spread(samples: Float64Array): Spread {
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return {
    min: sorted[0]!,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1)!,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

/**
 * Whether this process (the bench: the driver and every system's devices) was started with `--expose-gc`, as
 * `npm run bench` and `bench:compare` start it; then each run begins with a full collection here.
 */
export const HARNESS_COLLECTS = typeof (globalThis as { gc?: unknown }).gc === 'function';

/**
 * A full collection of the bench's own heap before a run's clock starts. The driver and the devices run in one
 * process; without it, what the run before left (a window-1 run of 10,000 takes 20 s and fills the old
 * generation) was collected during the next run, a 7–11 ms pause under one of its waves, whichever system was
 * measured. The servers are not touched: their collections are part of what is measured.
 */
function collectHarnessGarbage(): void {
  if (HARNESS_COLLECTS) (globalThis as unknown as { gc: () => void }).gc();
}

export interface RunLimits {
  /** Fail when no message arrives for this long. */
  stallMs: number;
  /** Fail when the run as a whole takes longer. */
  deadlineMs: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..1). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error('no samples');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/**
 * One run of `n` messages. The system routes every arrival to `arrived` (and anything wrong to `fail`), then
 * calls `drive` with its submit function. `order` is what the sender's server gave the message (a sequence
 * number) when it gives one: arrivals must then come in strictly increasing order and match the submit's answer.
 * Without one, only a window of 1 can be checked for order (arrivals in submit order).
 */
export class WindowedRun {
  private readonly started: Float64Array;
  private readonly landed: Float64Array;
  private readonly answeredAt: Float64Array;
  private readonly submitted: (number | undefined)[];
  private readonly arrivedOrder: (number | undefined)[];
  private count = 0;
  private lastOrder = Number.NEGATIVE_INFINITY;
  private lastArrival = 0;
  private failure: Error | undefined;
  private settle: ((error?: Error) => void) | undefined;

  constructor(
    readonly n: number,
    readonly inFlight: number,
    private readonly limits: RunLimits,
  ) {
    this.started = new Float64Array(n);
    this.landed = new Float64Array(n);
    this.answeredAt = new Float64Array(n);
    this.submitted = new Array(n);
    this.arrivedOrder = new Array(n);
  }

  /** Message `index` reached the receiving device now. */
  arrived(index: number, order?: number): void {
    const at = performance.now();
    if (this.failure) return;
    const problem = this.problem(index, order);
    if (problem !== undefined) {
      this.fail(problem);
      return;
    }
    if (order !== undefined) {
      this.lastOrder = order;
      this.arrivedOrder[index] = order;
    }
    this.landed[index] = at;
    this.lastArrival = at;
    this.count += 1;
    if (this.count === this.n) this.settle?.();
  }

  /** What is wrong with this arrival, if anything: unknown, twice, early, out of order, or not as answered. */
  private problem(index: number, order: number | undefined): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.n) return `unknown message ${index}`;
    if (this.landed[index] !== 0) return `message ${index} arrived twice`;
    if (this.started[index] === 0) return `message ${index} arrived before it was sent`;
    if (order === undefined) {
      return this.inFlight === 1 && index !== this.count
        ? `message ${index} arrived in place ${this.count}`
        : undefined;
    }
    if (order <= this.lastOrder) return `message ${index} (#${order}) arrived after #${this.lastOrder}`;
    const answered = this.submitted[index];
    if (answered !== undefined && answered !== order) {
      return `message ${index} arrived as #${order}, its submit was answered #${answered}`;
    }
    return undefined;
  }

  fail(reason: string): void {
    if (this.failure) return;
    this.failure = new Error(`${reason} (${this.count} of ${this.n} arrived, window ${this.inFlight})`);
    this.settle?.(this.failure);
  }

  /** The sender's server answered message `index`'s submit (stored durably) and gave it `order`. */
  answered(index: number, order: number): void {
    this.answeredAt[index] = performance.now();
    this.submitted[index] = order;
    const seen = this.arrivedOrder[index];
    if (seen !== undefined && seen !== order) {
      this.fail(`message ${index} arrived as #${seen}, its submit was answered #${order}`);
    }
  }

  /**
   * Submits every message, `inFlight` at a time, and waits for all arrivals (bounded by the limits). A message
   * holds its place in the window until `submit` resolves: once it has arrived at the receiving device, for
   * every system, so that the window means the same everywhere (sent, not yet delivered).
   */
  async drive(submit: (index: number) => Promise<void>): Promise<DeliveryRun> {
    collectHarnessGarbage();
    const all = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    let next = 0;
    const worker = async () => {
      while (next < this.n && !this.failure) {
        const index = next++;
        this.started[index] = performance.now();
        await submit(index);
      }
    };
    const workers = Promise.all(Array.from({ length: Math.min(this.inFlight, this.n) }, worker)).catch(
      (error: unknown) =>
        this.fail(`submit failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    const begun = performance.now();
    this.lastArrival = begun;
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - this.lastArrival > this.limits.stallMs)
        this.fail(`nothing arrived for ${this.limits.stallMs} ms`);
      else if (now - begun > this.limits.deadlineMs) this.fail(`run took over ${this.limits.deadlineMs} ms`);
    }, 250);
    try {
      if (this.failure) throw this.failure;
      await all;
      await workers;
      if (this.failure) throw this.failure;
    } finally {
      clearInterval(watchdog);
    }
    return this.result();
  }

  private result(): DeliveryRun {
    const latencies = this.landed.map((at, i) => at - this.started[i]!);
    // A system without a submit answer (XMPP) is answered by the arrival itself.
    const accepts = this.answeredAt.map((at, i) => (at === 0 ? this.landed[i]! : at) - this.started[i]!);
    const first = this.started.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    const last = this.landed.reduce((a, b) => Math.max(a, b), 0);
    const seconds = (last - first) / 1000;
    const slowest = latencies.indexOf(latencies.reduce((a, b) => Math.max(a, b), 0));
    return {
      messages: this.n,
      inFlight: this.inFlight,
      seconds,
      messagesPerSecond: this.n / seconds,
      latencyMs: spread(latencies),
      acceptMs: spread(accepts),
      slowest: { index: slowest, acceptMs: accepts[slowest]!, latencyMs: latencies[slowest]! },
      latencyByTenthMs: Array.from({ length: 10 }, (_, t) => {
        const part = latencies.slice(Math.floor((t * this.n) / 10), Math.floor(((t + 1) * this.n) / 10));
        return part.length === 0
          ? 0
          : percentile(
              Array.from(part).sort((a, b) => a - b),
              0.5,
            );
      }),
    };
  }
}

/**
 * The payloads of one run: `bytes` random bytes, base64, whose first 8 bytes are the run id and the message's
 * index (big-endian u32 each). Each is made when it is sent and made again to check an arrival, never kept: a
 * run's 10,000 payloads held in an array (5 MB of strings) made the driver's first scavenges copy them all,
 * pauses of 20–30 ms in the driver's own process that landed on one window's latency (seen with a GC observer
 * in the driver and both providers), whichever system it was driving.
 */
export class RunPayloads {
  readonly runId = randomBytes(4).readUInt32BE(0);
  private readonly filler: Buffer;

  constructor(
    bytes: number,
    private readonly n: number,
  ) {
    if (bytes < 8) throw new Error(`payloads of ${bytes} bytes cannot hold their header`);
    this.filler = randomBytes(bytes);
    this.filler.writeUInt32BE(this.runId, 0);
  }

  /** Message `index`'s payload. */
  of(index: number): string {
    this.filler.writeUInt32BE(index, 4);
    return this.filler.toString('base64');
  }

  /** The index of an arrived payload, or what is wrong with it: not of this run, out of range, or garbled. */
  check(payload: string): { index: number } | { problem: string } {
    const head = Buffer.from(payload.slice(0, 12), 'base64');
    if (head.length < 8 || head.readUInt32BE(0) !== this.runId) return { problem: 'a message of no run' };
    const index = head.readUInt32BE(4);
    if (index >= this.n) return { problem: `unknown message ${index}` };
    if (payload !== this.of(index)) return { problem: `message ${index} garbled` };
    return { index };
  }
}
