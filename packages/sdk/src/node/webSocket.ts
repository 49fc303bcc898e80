// The `ws` WebSocket as the SDK uses it on Node: frames sent in one turn of the event loop leave in one system
// call. A device that sends many at once (a queue flushed after a reconnection, a burst of submits) would
// otherwise make one write per frame, and the provider read them one by one and store them in several group
// commits instead of one.
import type { Socket } from 'node:net';
import WebSocket from 'ws';

export class CorkingWebSocket extends WebSocket {
  #corked = false;

  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    const send = this.send.bind(this);
    this.send = ((...frame: Parameters<typeof send>) => {
      this.#cork();
      send(...frame);
    }) as typeof send;
  }

  /** Corks the socket until the turn's I/O is done (the server's device streams do the same). */
  #cork(): void {
    const raw = (this as unknown as { _socket?: Socket })._socket;
    if (!raw || this.#corked || this.readyState !== WebSocket.OPEN) return;
    this.#corked = true;
    raw.cork();
    setImmediate(() => {
      this.#corked = false;
      raw.uncork();
    });
  }
}
