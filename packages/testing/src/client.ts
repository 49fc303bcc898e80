/**
 * A plain client of the provider's client API for tests: fetch for HTTP, ws for the stream. It hides nothing:
 * every call returns status and body, so tests can assert on errors as well as on success.
 */
import type { MessageView, ServerFrame } from '@parley/protocol';
import WebSocket from 'ws';

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** How long one call of a test client may take. */
const CALL_TIMEOUT_MS = 60_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed JSON replies
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  // Bounded, body included: a provider that never answers fails the call by name, not the file by its limit.
  const response = await fetch(base + path, {
    method,
    headers,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new Error(`${method} ${path}: no answer from ${base}`, { cause: error });
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

async function ok<T>(reply: Promise<Reply<T>>): Promise<T> {
  const r = await reply;
  if (r.status >= 400) throw new HttpError(r.status, r.body);
  return r.body;
}

export const b64 = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes).toString('base64');
export const text = (payload: string) => Buffer.from(payload, 'base64').toString('utf8');

/** One signed-in device. */
export class DeviceClient {
  constructor(
    readonly base: string,
    readonly user: string,
    readonly deviceId: string,
    readonly token: string,
  ) {}

  static async register(
    base: string,
    handle: string,
    password = 'correct horse battery',
    deviceName?: string,
  ) {
    const s = await ok(
      call(base, 'POST', '/v1/accounts', { handle, password, ...(deviceName ? { deviceName } : {}) }),
    );
    return new DeviceClient(base, s.user, s.deviceId, s.token);
  }

  static async login(base: string, handle: string, password = 'correct horse battery', deviceName?: string) {
    const s = await ok(
      call(base, 'POST', '/v1/sessions', { handle, password, ...(deviceName ? { deviceName } : {}) }),
    );
    return new DeviceClient(base, s.user, s.deviceId, s.token);
  }

  get handle(): string {
    return this.user.split('@')[0]!;
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read loosely typed JSON replies
  call<T = any>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    return call<T>(this.base, method, path, body, this.token);
  }

  async createRoom(members: string[], kind: 'direct' | 'group' = 'group'): Promise<string> {
    const r = await ok(this.call('POST', '/v1/rooms', { kind, members }));
    return r.room.id;
  }

  async submit(
    room: string,
    payload: string,
    clientId?: string,
  ): Promise<{ seq: number; duplicate: boolean }> {
    return ok(
      this.call('POST', `/v1/rooms/${room}/messages`, {
        payload: b64(payload),
        ...(clientId ? { clientId } : {}),
      }),
    );
  }

  async sync(
    since?: Record<string, number>,
    limit?: number,
  ): Promise<{ messages: MessageView[]; more: boolean }> {
    return ok(this.call('POST', '/v1/sync', { ...(since ? { since } : {}), ...(limit ? { limit } : {}) }));
  }

  async ack(acks: { room: string; seq: number }[]): Promise<void> {
    await ok(this.call('POST', '/v1/ack', { acks }));
  }

  /** Opens the WebSocket stream; frames arrive in `frames` and through `next`. */
  async stream(since?: Record<string, number>): Promise<StreamClient> {
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/v1/stream`);
    const client = new StreamClient(ws);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`the stream of ${this.user} ${this.deviceId} did not open within 30 s`));
      }, 30_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    ws.send(JSON.stringify({ type: 'auth', token: this.token, ...(since ? { since } : {}) }));
    const ready = await client.next((f) => f.type === 'ready' || f.type === 'error');
    if (ready.type !== 'ready') throw new Error(`stream refused: ${JSON.stringify(ready)}`);
    return client;
  }
}

/** The device side of `/v1/stream`. */
export class StreamClient {
  readonly frames: ServerFrame[] = [];
  private readonly waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  private consumed = 0;
  private readonly listeners = new Set<(f: ServerFrame) => void>();
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      for (const listener of this.listeners) listener(frame);
      const index = this.waiters.findIndex((w) => w.match(frame));
      if (index !== -1) this.waiters.splice(index, 1)[0]!.resolve(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** The next frame (after those already taken by `next`) that matches; waits at most `timeoutMs`. */
  next(match: (f: ServerFrame) => boolean = () => true, timeoutMs = 10_000): Promise<ServerFrame> {
    for (let i = this.consumed; i < this.frames.length; i++) {
      if (match(this.frames[i]!)) {
        this.consumed = i + 1;
        return Promise.resolve(this.frames[i]!);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a stream frame')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          this.consumed = this.frames.length;
          resolve(f);
        },
      });
    });
  }

  /** Calls `listener` with every frame so far (in order) and every frame to come. */
  subscribe(listener: (f: ServerFrame) => void): void {
    for (const frame of this.frames) listener(frame);
    this.listeners.add(listener);
  }

  messages(): Extract<ServerFrame, { type: 'message' }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: 'message' }> => f.type === 'message');
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    // A peer that never answers the close frame: drop the connection after 5 s rather than wait for ever.
    const timer = setTimeout(() => this.ws.terminate(), 5_000);
    await this.closed;
    clearTimeout(timer);
  }
}
