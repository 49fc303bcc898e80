// The connections part's client side: a few child processes (bench/lib/streamWorker.ts), each holding a share of
// the idle device streams, so that no one Node process holds tens of thousands of sockets. They connect at the
// same time, each with its share of a bounded number of handshakes in flight, and report back over IPC; every
// exchange is bounded in time, and the workers are stopped by PID (and die with the bench if it dies).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from './parleyDevices.ts';

export type WorkerRequest =
  | {
      type: 'connect';
      url: string;
      tokens: string[];
      sources: string[];
      concurrency: number;
      timeoutMs: number;
    }
  | { type: 'status' }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'started' }
  | {
      type: 'connected';
      ok: number;
      failed: number;
      firstError?: string;
      ms: number;
      latencies: number[];
      extensions: string;
    }
  | { type: 'status'; open: number; dropped: number; firstDrop?: string }
  | { type: 'closed' }
  | { type: 'failed'; reason: string };

const WORKER = fileURLToPath(new URL('./streamWorker.ts', import.meta.url));

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError: string | undefined;
  /** From the first `connect` sent to the last worker's answer. */
  ms: number;
  /** Connect → `ready` of every stream, in milliseconds. */
  latencies: number[];
  /** The WebSocket extensions the server accepted (empty: none). */
  extensions: string;
}

class Worker {
  private readonly waiting: ((reply: WorkerReply) => void)[] = [];
  /** Replies no one waited for yet. */
  private readonly inbox: WorkerReply[] = [];
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (reply: WorkerReply) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(reply);
      else this.inbox.push(reply);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** The worker's next reply, or an error after `ms` or if the worker exits first. */
  async next(what: string, ms: number): Promise<WorkerReply> {
    const early = this.inbox.shift();
    if (early) return early;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<WorkerReply>((resolve) => this.waiting.push(resolve)),
        this.exited.then(() => {
          throw new Error(`stream worker ${this.child.pid} exited while waiting for ${what}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`stream worker: no ${what} within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  send(request: WorkerRequest): void {
    this.child.send(request);
  }
}

export class StreamClients {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` workers, each living at most `lifetimeMs`. */
  static async start(count: number, lifetimeMs: number): Promise<StreamClients> {
    const workers = Array.from({ length: count }, () => {
      const child = fork(WORKER, [String(lifetimeMs)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const orphaned = () => child.kill('SIGKILL');
      process.once('exit', orphaned);
      child.once('exit', () => process.off('exit', orphaned));
      return new Worker(child);
    });
    const clients = new StreamClients(workers);
    try {
      for (const w of workers) {
        const hello = await w.next('start', 30_000);
        if (hello.type !== 'started') throw new Error(`stream worker said ${hello.type} first`);
      }
    } catch (e) {
      await clients.stop();
      throw e;
    }
    return clients;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? -1);
  }

  /**
   * Opens one stream per token, the tokens dealt to the workers in turn, source addresses in turn within each;
   * `concurrency` handshakes in flight in all. Bounded by `deadlineMs`.
   */
  async connect(
    url: string,
    tokens: string[],
    sources: string[],
    concurrency: number,
    deadlineMs: number,
  ): Promise<ConnectResult> {
    const n = this.workers.length;
    const shares = this.workers.map((_, w) => tokens.filter((_, i) => i % n === w));
    const started = performance.now();
    const replies = await Promise.all(
      this.workers.map(async (worker, w) => {
        const answer = worker.next('connect answer', deadlineMs);
        worker.send({
          type: 'connect',
          url,
          tokens: shares[w]!,
          // Each worker takes every n-th source, so that the addresses stay spread over all devices.
          sources: sources.length >= n ? sources.filter((_, i) => i % n === w) : sources,
          concurrency: Math.max(1, Math.round(concurrency / n)),
          timeoutMs: 30_000,
        });
        const reply = await answer;
        if (reply.type !== 'connected') throw new Error(`stream worker answered ${JSON.stringify(reply)}`);
        return reply;
      }),
    );
    const ms = performance.now() - started;
    return {
      connected: replies.reduce((sum, r) => sum + r.ok, 0),
      failed: replies.reduce((sum, r) => sum + r.failed, 0),
      firstError: replies.find((r) => r.firstError !== undefined)?.firstError,
      ms,
      latencies: replies.flatMap((r) => r.latencies),
      extensions: replies[0]?.extensions ?? '',
    };
  }

  /** How many streams are open, and how many closed after their `ready`. */
  async status(): Promise<{ open: number; dropped: number; firstDrop: string | undefined }> {
    const replies = await Promise.all(
      this.workers.map(async (worker) => {
        const answer = worker.next('status', 30_000);
        worker.send({ type: 'status' });
        const reply = await answer;
        if (reply.type !== 'status') throw new Error(`stream worker answered ${reply.type} to status`);
        return reply;
      }),
    );
    return {
      open: replies.reduce((sum, r) => sum + r.open, 0),
      dropped: replies.reduce((sum, r) => sum + r.dropped, 0),
      firstDrop: replies.find((r) => r.firstDrop !== undefined)?.firstDrop,
    };
  }

  /** Drops every stream and stops every worker: asked first, then SIGKILL by PID after 10 s. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        const { child } = worker;
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (child.connected) child.send({ type: 'close' } satisfies WorkerRequest);
        if (!(await within(worker.exited, 10_000))) {
          child.kill('SIGKILL');
          await worker.exited;
        }
      }),
    );
  }
}
