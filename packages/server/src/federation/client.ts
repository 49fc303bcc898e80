/**
 * `FederationClient`: server-to-server requests from this provider. Every request is signed (RFC 9421 over
 * `@method`, `@target-uri`, `content-digest`, `parley-origin`, with `created`, `keyid` and a `nonce`) and every answer must
 * carry a signature of the peer bound to our request, or it is not believed. Expected failures are values.
 */
import { randomBytes } from 'node:crypto';
import { parseRetryAfter, signRequest, verifyResponse } from '@parley/federation';
import type { EndpointName } from './discovery.js';
import { endpointUrl } from './discovery.js';
import type { PeerDirectory } from './peers.js';
import type { SigningKeys } from './signingKeys.js';
import { type Answer, postBytes } from './transport.js';

/** The request components every federation request is signed over (the digest is added with a body). */
export const REQUEST_COMPONENTS = ['@method', '@target-uri', 'content-digest', 'parley-origin'] as const;
export const ORIGIN_HEADER = 'parley-origin';

export type FederationResult<T = unknown> =
  /** `retryAfterMs`: how long the peer asked us to wait (its `Retry-After`), when it did. */
  | { ok: true; status: number; body: T; retryAfterMs?: number }
  | {
      ok: false;
      /**
       * `unknownPeer`: not in the peer map; `unreachable`: no answer in time, or discovery failed;
       * `badResponse`: an answer that is not signed by the peer for this request, or not JSON, or too big.
       */
      reason: 'unknownPeer' | 'unreachable' | 'badResponse';
      detail?: string;
    };

export interface FederationClientOptions {
  domain: string;
  keys: SigningKeys;
  peers: PeerDirectory;
  fetchTimeoutMs: number;
  maxResponseBytes: number;
  maxAgeSeconds: number;
  clockSkewSeconds: number;
  now: () => number;
}

export class FederationClient {
  constructor(private readonly options: FederationClientOptions) {}

  /**
   * `POST {peer}/federation/v1/{endpoint}` with a JSON body; the answer's status and JSON once verified. With
   * `after`, the request is built and signed at once but sent only once `after` resolved (the disk's flush of
   * what it carries: see the outbox).
   */
  async post<T = unknown>(
    domain: string,
    endpoint: EndpointName,
    body: unknown,
    after?: Promise<void>,
  ): Promise<FederationResult<T>> {
    after?.catch(() => {}); // awaited below, unless the request is not made at all
    const base = this.options.peers.base(domain);
    if (base === undefined) return { ok: false, reason: 'unknownPeer' };
    const url = endpointUrl(base, endpoint);
    const text = Buffer.from(JSON.stringify(body));
    const key = await this.options.keys.current();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [ORIGIN_HEADER]: this.options.domain,
    };
    Object.assign(
      headers,
      signRequest({
        method: 'POST',
        url,
        headers,
        body: text,
        keyId: key.keyId,
        privateKey: key.privateKey,
        created: Math.floor(this.options.now() / 1000),
        // Ed25519 is deterministic: without a nonce the same question twice in one second would be one
        // signature, and the peer's replay cache would refuse the second.
        nonce: randomBytes(16).toString('base64url'),
        components: [...REQUEST_COMPONENTS],
      }),
    );

    if (after) await after;
    let response: Answer;
    try {
      response = await postBytes(
        new URL(url),
        headers,
        text,
        this.options.fetchTimeoutMs,
        this.options.maxResponseBytes,
      );
    } catch (error) {
      return { ok: false, reason: 'unreachable', detail: (error as Error).name };
    }
    const bytes = response.body;
    if (bytes === undefined) return { ok: false, reason: 'badResponse', detail: 'too large' };

    let unreachable = false;
    const verified = await verifyResponse({
      status: response.status,
      headers: response.headers,
      body: bytes,
      request: { method: 'POST', url, headers },
      now: this.options.now(),
      maxAgeSeconds: this.options.maxAgeSeconds,
      clockSkewSeconds: this.options.clockSkewSeconds,
      resolveKey: async (keyId) => {
        const found = await this.options.peers.key(domain, keyId);
        if (!found.ok && found.reason === 'unreachable') unreachable = true;
        return found.ok ? found.key : undefined;
      },
    });
    if (!verified.ok) {
      return unreachable
        ? { ok: false, reason: 'unreachable', detail: 'discovery' }
        : { ok: false, reason: 'badResponse', detail: verified.reason };
    }
    try {
      const parsed = bytes.length === 0 ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
      const header = response.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(
        typeof header === 'string' ? header : undefined,
        this.options.now(),
      );
      return {
        ok: true,
        status: response.status,
        body: parsed as T,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    } catch {
      return { ok: false, reason: 'badResponse', detail: 'not JSON' };
    }
  }
}
