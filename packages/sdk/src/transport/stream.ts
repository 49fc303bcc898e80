// The device's WebSocket (`GET /v1/stream`): auth with the stored positions, then pushed messages, with
// reconnection. The WebSocket class is injected: the browser's own, or the `ws` package on Node.
import type { ServerFrame } from '@parley/protocol';
import { SdkError } from '../errors.js';
import { fromUtf8, toBase64 } from '../util/bytes.js';

/** The part of the WebSocket API the stream uses; browsers' `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface StreamOptions {
  server: string;
  WebSocket: WebSocketFactory;
  token: () => string;
  /** The positions to resume from, read afresh at every (re)connection. */
  since: () => Promise<Record<string, number>>;
  onFrame: (frame: ServerFrame) => void;
  /** Called after every successful (re)connection, once `ready` has arrived. */
  onReady?: () => void;
  onError?: (error: SdkError) => void;
  /**
   * A submit answered in place of its message (`inPlace`): the device's own message at that seq, handed over at
   * the answer's place in the stream's order so that the receive path moves past it like past any message.
   */
  onOwnMessage?: (message: OwnMessage) => void;
  pingMs?: number;
  /** How long a connection may take to be `ready` before it counts as failed (default 30 s). */
  readyMs?: number;
}

/** This device's own message, stored by the hub at `seq`, as its submit answer reported it. */
export interface OwnMessage {
  room: string;
  seq: number;
  ts: number;
  /** The payload as submitted, base64. */
  payload: string;
}

/** The hub's answer to a stream submit. */
export interface StreamSubmitted {
  seq: number;
  ts: number;
  duplicate: boolean;
}

interface PendingSubmit {
  room: string;
  payload: string;
  resolve: (answer: StreamSubmitted) => void;
  reject: (error: SdkError) => void;
}

const OPEN = 1;
const AUTH_FAILED = 4001;

/**
 * Keeps one authenticated stream open. `connect()` resolves on the first `ready` (or rejects when that first
 * attempt fails); later drops reconnect with exponential backoff, resuming from the positions `since()` gives.
 *
 * @example
 * const stream = new Stream({ server, WebSocket, token: () => token, since: async () => ({}), onFrame: console.log });
 * await stream.connect();
 */
export class Stream {
  private socket: WebSocketLike | undefined;
  private closed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  /** The socket that got `ready`: submits go only there. */
  private readySocket: WebSocketLike | undefined;
  private nextRef = 1;
  /** Submits sent on the current socket and not answered yet, by `ref`. */
  private pending = new Map<number, PendingSubmit>();

  constructor(private readonly options: StreamOptions) {}

  get open(): boolean {
    return this.socket?.readyState === OPEN;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => this.dial(resolve, reject));
  }

  private dial(onReady?: () => void, failFirst?: (error: SdkError) => void): void {
    if (this.closed) {
      failFirst?.(new SdkError('closed', 'the stream was closed'));
      return;
    }
    const url = `${this.options.server.replace(/^http/, 'ws')}/v1/stream`;
    const socket = new this.options.WebSocket(url);
    this.socket = socket;
    let ready = false;
    // The first attempt fails once, by whichever comes first: the socket closing or no `ready` in time.
    let onFail = failFirst;
    // A provider that accepts the socket but never says `ready` (its storage stuck, say) fails the attempt rather
    // than leaving `connect()` waiting for ever; a later attempt is retried through the close it causes.
    const readyMs = this.options.readyMs ?? 30_000;
    const readyTimer = setTimeout(() => {
      if (ready || this.socket !== socket) return;
      const fail = onFail;
      onFail = undefined;
      fail?.(new SdkError('network', `the stream was not ready within ${readyMs} ms`));
      socket.close();
    }, readyMs);
    socket.onopen = () => {
      this.options
        .since()
        .then((since) => socket.send(JSON.stringify({ type: 'auth', token: this.options.token(), since })))
        .catch(() => socket.close());
    };
    let heardAt = Date.now();
    socket.onmessage = (event) => {
      heardAt = Date.now();
      // A closing socket still hands over what had arrived: after close() nothing may reach the receive path,
      // whose store the owner is about to close.
      if (this.closed || this.socket !== socket) return;
      const frame = parseFrame(event.data);
      if (!frame) return;
      if (frame.type === 'submitted' || (frame.type === 'error' && frame.ref !== undefined)) {
        this.answer(frame);
        return;
      }
      if (frame.type === 'ready') {
        ready = true;
        clearTimeout(readyTimer);
        this.readySocket = socket;
        this.attempt = 0;
        this.startPing(socket, () => heardAt);
        onReady?.();
        this.options.onReady?.();
        return;
      }
      this.options.onFrame(frame);
    };
    socket.onerror = () => {};
    socket.onclose = (event) => {
      clearTimeout(readyTimer);
      clearInterval(this.pingTimer);
      if (this.socket === socket) {
        this.socket = undefined;
        this.dropPending(`stream closed (${event.code}) before the submit was answered`);
      }
      if (this.closed) return;
      const error =
        event.code === AUTH_FAILED
          ? new SdkError('unauthenticated', 'the provider refused the device token', 401)
          : new SdkError(
              'network',
              `stream closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`,
            );
      if (!ready && failFirst) {
        // The first attempt: its caller is told (unless the timer did already), and nothing is retried.
        onFail?.(error);
        onFail = undefined;
        return;
      }
      this.options.onError?.(error);
      if (event.code === AUTH_FAILED) return;
      const delay = Math.min(30_000, 250 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      this.retryTimer = setTimeout(() => this.dial(), delay);
    };
  }

  /**
   * Pings every `pingMs`; the provider answers each with a `pong`. A connection that has said nothing for two
   * intervals is taken for dead (a phone that changed networks leaves a socket that looks open for many
   * minutes) and dropped at once, so the stream reconnects instead of waiting for TCP or the close handshake.
   */
  private startPing(socket: WebSocketLike, heardAt: () => number): void {
    clearInterval(this.pingTimer);
    const every = this.options.pingMs ?? 25_000;
    this.pingTimer = setInterval(() => {
      if (socket.readyState !== OPEN) return;
      if (Date.now() - heardAt() > 2 * every) {
        const closed = socket.onclose;
        socket.onclose = null;
        socket.onmessage = null;
        socket.close();
        closed?.({ code: 1006, reason: 'no answer to ping' });
        return;
      }
      socket.send(JSON.stringify({ type: 'ping' }));
    }, every);
  }

  /** Sends acknowledgements if the stream is open; returns false when they must go over HTTP instead. */
  ack(acks: { room: string; seq: number }[]): boolean {
    if (!this.socket || this.socket.readyState !== OPEN || acks.length === 0) return false;
    this.socket.send(JSON.stringify({ type: 'ack', acks }));
    return true;
  }

  /**
   * Submits an application message over the stream (rooms this device's provider is hub of only: others answer
   * `forbidden`). Resolves once the hub stored it durably; rejects with the hub's error code, or with `network`
   * when the stream is not open or closes first — the caller then submits over HTTP with the same clientId,
   * which the hub deduplicates.
   */
  submit(room: string, payload: Uint8Array, clientId: string): Promise<StreamSubmitted> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.readySocket !== socket) {
      return Promise.reject(new SdkError('network', 'the stream is not open'));
    }
    const ref = this.nextRef++;
    const encoded = toBase64(payload);
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { room, payload: encoded, resolve, reject });
      socket.send(JSON.stringify({ type: 'submit', ref, room, payload: encoded, clientId }));
    });
  }

  private answer(frame: Extract<ServerFrame, { type: 'submitted' } | { type: 'error' }>): void {
    const entry = this.pending.get(frame.ref!);
    if (!entry) return;
    this.pending.delete(frame.ref!);
    if (frame.type === 'error') {
      entry.reject(new SdkError(frame.code, frame.message));
      return;
    }
    if (frame.inPlace && frame.room === entry.room) {
      this.options.onOwnMessage?.({ room: frame.room, seq: frame.seq, ts: frame.ts, payload: entry.payload });
    }
    entry.resolve({ seq: frame.seq, ts: frame.ts, duplicate: frame.duplicate });
  }

  private dropPending(reason: string): void {
    const dropped = [...this.pending.values()];
    this.pending = new Map();
    for (const entry of dropped) entry.reject(new SdkError('network', reason));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000, 'bye');
    this.socket = undefined;
    this.dropPending('the stream was closed');
  }
}

function parseFrame(data: unknown): ServerFrame | undefined {
  const text = typeof data === 'string' ? data : data instanceof Uint8Array ? fromUtf8(data) : undefined;
  if (text === undefined) return undefined;
  try {
    const frame = JSON.parse(text) as ServerFrame;
    return typeof frame === 'object' && frame !== null && typeof frame.type === 'string' ? frame : undefined;
  } catch {
    return undefined;
  }
}
