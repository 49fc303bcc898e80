// @parley/sdk/node: what a Node client needs beside the browser-ready core: the SQLite store, the `ws` WebSocket
// (Node 20 has no global one) and the node:crypto MLS suite.
import { loadNodeSuite } from '@parley/crypto/node';
import type { ClientOptions } from '../client/client.js';
import type { WebSocketFactory } from '../transport/stream.js';
import { CorkingWebSocket } from './webSocket.js';

export { SqliteStore } from './sqliteStore.js';
export { CorkingWebSocket } from './webSocket.js';

/**
 * The Node pieces of {@link ClientOptions}: the `ws` WebSocket class (its frames of one event-loop turn sent in
 * one write: webSocket.ts) and the node:crypto cipher suite.
 *
 * @example
 * const client = new ParleyClient({ store: SqliteStore.open('alice.db'), ...(await nodeEnvironment()) });
 */
export async function nodeEnvironment(): Promise<Required<Pick<ClientOptions, 'WebSocket' | 'suite'>>> {
  return { WebSocket: CorkingWebSocket as unknown as WebSocketFactory, suite: await loadNodeSuite() };
}
