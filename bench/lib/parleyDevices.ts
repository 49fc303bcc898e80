// The two raw devices of the federation part's Parley set-up: alice's HTTP/1.1 connections to her provider, and
// a device's WebSocket stream with acknowledgements coalesced like the SDK's. Plain node:http and the SDK's
// Node WebSocket (ws, the frames of one event-loop turn written together), so that
// the client's own cost stays small and visible.
import http from 'node:http';
import { CorkingWebSocket } from '@parley/sdk/node';
import WebSocket from 'ws';

/** The SDK acknowledges at most every 50 ms over the stream; so do the benchmark's devices. */
export const ACK_FLUSH_MS = 50;

export interface Frame {
  type: string;
  ref?: number;
  room?: string;
  seq?: number;
  sender?: string;
  payload?: string;
  code?: string;
  message?: string;
  inPlace?: boolean;
}

/** Whether `work` settled within `ms` (its timer is cleared either way, so nothing is kept alive). */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`parley setup: timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A device's HTTP/1.1 keep-alive connections to its provider: node:http with an Agent, so that a window of N
 * submits runs on exactly N connections, opened before the clock starts (see `warm`).
 */
export class Connections {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

  constructor(private readonly base: string) {}

  request(
    method: string,
    path: string,
    body?: string,
    token?: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const req = http.request(`${this.base}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Opens `n` connections while the provider is idle, so that it has accepted them all before the clock starts:
   * a busy provider accepts about one new connection per event-loop turn, and connections opened inside a run
   * would time that wait rather than delivery.
   */
  async warm(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.request('GET', '/health')));
    const open = Object.values(this.agent.freeSockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);
    if (open < n) throw new Error(`parley: ${open} connections to a are open, ${n} wanted`);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A device's stream: acknowledgements coalesced like the SDK's, and every frame handed on. */
export class Receiver {
  onFrame: (frame: Frame) => void = () => {};
  onTrouble: (reason: string) => void = () => {};
  private readonly acked = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Submits over this stream awaiting their answer, by ref. */
  private readonly answers = new Map<
    number,
    { resolve: (seq: number) => void; reject: (e: Error) => void }
  >();
  private nextRef = 1;

  private readonly ready: Promise<void>;

  private constructor(private readonly ws: WebSocket) {
    let isReady!: () => void;
    let refused!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      isReady = resolve;
      refused = reject;
    });
    this.ready.catch(() => {}); // awaited by open(); a refusal after that has no one to tell
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.type === 'ready') return isReady();
      if (frame.type === 'message' && frame.room !== undefined && frame.seq !== undefined) {
        this.ack(frame.room, frame.seq);
      }
      if (frame.type === 'submitted' && frame.ref !== undefined) {
        // An answer in place of the message's echo is acknowledged like the message.
        if (frame.inPlace && frame.room !== undefined && frame.seq !== undefined)
          this.ack(frame.room, frame.seq);
        const answer = this.answers.get(frame.ref);
        this.answers.delete(frame.ref);
        return answer?.resolve(frame.seq ?? Number.NaN);
      }
      if (frame.type === 'error') {
        const answer = frame.ref === undefined ? undefined : this.answers.get(frame.ref);
        if (answer) {
          this.answers.delete(frame.ref!);
          return answer.reject(new Error(`submit refused: ${frame.code} ${frame.message ?? ''}`));
        }
        refused(new Error(`parley setup: stream refused: ${data.toString()}`));
        this.onTrouble(`stream error ${frame.code}`);
      }
      this.onFrame(frame);
    });
    ws.on('error', (error) => this.onTrouble(`stream failed: ${error.message}`));
    ws.on('close', (code) => {
      refused(new Error(`parley setup: stream closed (${code})`));
      this.onTrouble(`stream closed (${code})`);
    });
  }

  static async open(base: string, token: string): Promise<Receiver> {
    const ws = new CorkingWebSocket(`${base.replace(/^http/, 'ws')}/v1/stream`);
    // Listening from the start: frames right behind `ready` may come in the same read.
    const receiver = new Receiver(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'auth', token }));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        receiver.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('parley setup: no ready frame')), 10_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return receiver;
  }

  /**
   * Submits `payload` to `room` over this stream (a `submit` frame); resolves with the sequence number the
   * provider gave it once stored durably (its `submitted` answer).
   */
  submit(room: string, payload: string, clientId: string): Promise<number> {
    const ref = this.nextRef++;
    return new Promise<number>((resolve, reject) => {
      this.answers.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ type: 'submit', ref, room, payload, clientId }));
    });
  }

  private ack(room: string, seq: number): void {
    this.acked.set(room, Math.max(seq, this.acked.get(room) ?? 0));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const acks = [...this.acked].map(([r, s]) => ({ room: r, seq: s }));
      this.acked.clear();
      if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'ack', acks }));
    }, ACK_FLUSH_MS);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.onTrouble = () => {};
    for (const answer of this.answers.values()) answer.reject(new Error('stream closed'));
    this.answers.clear();
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await within(closed, 5_000);
  }
}
