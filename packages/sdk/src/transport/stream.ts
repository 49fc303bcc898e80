// The device's WebSocket (`GET /v1/stream`): auth with the stored positions, then pushed messages, with
// reconnection. The WebSocket class is injected: the browser's own, or the `ws` package on Node.
import type { ServerFrame } from '@parley/protocol';
import { SdkError } from '../errors.js';
import { fromUtf8 } from '../util/bytes.js';

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
  pingMs?: number;
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

  constructor(private readonly options: StreamOptions) {}

  get open(): boolean {
    return this.socket?.readyState === OPEN;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => this.dial(resolve, reject));
  }

  private dial(onReady?: () => void, onFail?: (error: SdkError) => void): void {
    if (this.closed) {
      onFail?.(new SdkError('closed', 'the stream was closed'));
      return;
    }
    const url = `${this.options.server.replace(/^http/, 'ws')}/v1/stream`;
    const socket = new this.options.WebSocket(url);
    this.socket = socket;
    let ready = false;
    socket.onopen = () => {
      this.options
        .since()
        .then((since) => socket.send(JSON.stringify({ type: 'auth', token: this.options.token(), since })))
        .catch(() => socket.close());
    };
    socket.onmessage = (event) => {
      // A closing socket still hands over what had arrived: after close() nothing may reach the receive path,
      // whose store the owner is about to close.
      if (this.closed || this.socket !== socket) return;
      const frame = parseFrame(event.data);
      if (!frame) return;
      if (frame.type === 'ready') {
        ready = true;
        this.attempt = 0;
        this.startPing(socket);
        onReady?.();
        this.options.onReady?.();
        return;
      }
      this.options.onFrame(frame);
    };
    socket.onerror = () => {};
    socket.onclose = (event) => {
      clearInterval(this.pingTimer);
      if (this.socket === socket) this.socket = undefined;
      if (this.closed) return;
      const error =
        event.code === AUTH_FAILED
          ? new SdkError('unauthenticated', 'the provider refused the device token', 401)
          : new SdkError('network', `stream closed (${event.code})`);
      if (!ready && onFail) {
        onFail(error);
        return;
      }
      this.options.onError?.(error);
      if (event.code === AUTH_FAILED) return;
      const delay = Math.min(30_000, 250 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
      this.retryTimer = setTimeout(() => this.dial(), delay);
    };
  }

  private startPing(socket: WebSocketLike): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (socket.readyState === OPEN) socket.send(JSON.stringify({ type: 'ping' }));
    }, this.options.pingMs ?? 25_000);
  }

  /** Sends acknowledgements if the stream is open; returns false when they must go over HTTP instead. */
  ack(acks: { room: string; seq: number }[]): boolean {
    if (!this.socket || this.socket.readyState !== OPEN || acks.length === 0) return false;
    this.socket.send(JSON.stringify({ type: 'ack', acks }));
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000, 'bye');
    this.socket = undefined;
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
