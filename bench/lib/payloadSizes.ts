// The size of the ciphertext an SDK client submits, seen on its way out: the bench's raw traffic takes that size.
// The SDK submits over its stream in its own provider's rooms (a `submit` frame) and over HTTP elsewhere, so
// both are watched.
import type { WebSocketFactory, WebSocketLike } from '@parley/sdk';

interface Capture {
  /** Payload sizes in bytes, in the order submitted. */
  sizes: number[];
  fetch: typeof fetch;
  WebSocket: WebSocketFactory;
}

export function capturePayloadSizes(Base: WebSocketFactory): Capture {
  const sizes: number[] = [];
  const note = (payload: unknown) => {
    if (typeof payload === 'string') sizes.push(Buffer.from(payload, 'base64').length);
  };
  const capture: typeof fetch = async (input, init) => {
    if (String(input).endsWith('/messages') && init?.method === 'POST' && typeof init.body === 'string') {
      note((JSON.parse(init.body) as { payload?: unknown }).payload);
    }
    return fetch(input, init);
  };
  class Watched extends (Base as new (url: string) => WebSocketLike) {
    override send(data: string): void {
      const frame = JSON.parse(data) as { type?: string; payload?: unknown };
      if (frame.type === 'submit') note(frame.payload);
      super.send(data);
    }
  }
  return { sizes, fetch: capture, WebSocket: Watched };
}
