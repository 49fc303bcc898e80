/**
 * `PeerDirectory`: which providers we federate with and the keys they sign with. The static peer map (config
 * `peers`) is the only source of addresses — a domain not in it is unknown, never looked up in DNS. Each peer's
 * discovery document is cached for a TTL, and refetched early when a signature names a key id it does not list
 * (key rotation without restarts), at most once per cooldown so a forger cannot make us hammer the peer.
 */
import type { KeyObject } from 'node:crypto';
import { type PeerDiscovery, readDiscovery } from './discovery.js';

export interface PeerDirectoryOptions {
  ttlMs: number;
  refetchCooldownMs: number;
  fetchTimeoutMs: number;
  now: () => number;
  /** Largest discovery document read. */
  maxBytes?: number;
}

/** Why a peer's key could not be had: not ours to ask, or the peer did not answer usefully. */
export type KeyLookup =
  | { ok: true; key: KeyObject }
  | { ok: false; reason: 'unknownPeer' | 'unknownKey' | 'unreachable' };

interface Entry {
  doc: PeerDiscovery;
  fetchedAt: number;
}

export class PeerDirectory {
  readonly #bases = new Map<string, string>();
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry | undefined>>();
  /** When each peer's discovery was last asked for, whether or not it answered. */
  readonly #lastAttempt = new Map<string, number>();
  /** Discovery fetches made, for tests and metrics. */
  fetches = 0;

  constructor(
    peers: Record<string, string>,
    private readonly options: PeerDirectoryOptions,
  ) {
    for (const [domain, base] of Object.entries(peers)) this.set(domain, base);
  }

  /** Adds or moves a peer (tests learn ports only after listening). Forgets what was cached about it. */
  set(domain: string, base: string): void {
    this.#bases.set(domain.toLowerCase(), base.replace(/\/+$/, ''));
    this.#cache.delete(domain.toLowerCase());
    this.#lastAttempt.delete(domain.toLowerCase());
  }

  /** The base URL of a peer, or undefined when it is not in the peer map. */
  base(domain: string): string | undefined {
    return this.#bases.get(domain.toLowerCase());
  }

  domains(): string[] {
    return [...this.#bases.keys()];
  }

  /** The peer's public key with this id, valid now; fetches or refetches discovery as needed. */
  async key(domain: string, keyId: string): Promise<KeyLookup> {
    const base = this.base(domain);
    if (base === undefined) return { ok: false, reason: 'unknownPeer' };
    const now = this.options.now();
    let entry = this.#cache.get(domain);
    if (!entry || now - entry.fetchedAt >= this.options.ttlMs) entry = await this.#fetch(domain, base);
    else if (!entry.doc.keys.has(keyId) && this.#mayRefetch(domain, now)) {
      entry = (await this.#fetch(domain, base)) ?? entry;
    }
    if (!entry) return { ok: false, reason: 'unreachable' };
    const found = entry.doc.keys.get(keyId);
    const at = this.options.now();
    if (!found || found.notBefore > at + 60_000 || found.notAfter <= at)
      return { ok: false, reason: 'unknownKey' };
    return { ok: true, key: found.key };
  }

  #mayRefetch(domain: string, now: number): boolean {
    const last = this.#lastAttempt.get(domain);
    return last === undefined || now - last >= this.options.refetchCooldownMs;
  }

  /** One fetch per peer at a time; concurrent callers share it. Undefined when the peer gave no usable answer. */
  #fetch(domain: string, base: string): Promise<Entry | undefined> {
    const running = this.#inFlight.get(domain);
    if (running) return running;
    const started = this.options.now();
    this.#lastAttempt.set(domain, started);
    this.fetches++;
    const fetching = this.#download(domain, base)
      .then((doc) => {
        if (!doc) return undefined;
        const entry = { doc, fetchedAt: started };
        // A set() while fetching moved the peer: this answer is about the old address.
        if (this.#bases.get(domain) === base) this.#cache.set(domain, entry);
        return entry;
      })
      .finally(() => this.#inFlight.delete(domain));
    this.#inFlight.set(domain, fetching);
    return fetching;
  }

  async #download(domain: string, base: string): Promise<PeerDiscovery | undefined> {
    try {
      const response = await fetch(`${base}/.well-known/parley`, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return undefined;
      }
      const text = await readLimited(response, this.options.maxBytes ?? 64 * 1024);
      return text === undefined ? undefined : readDiscovery(JSON.parse(text), domain, base);
    } catch {
      return undefined;
    }
  }
}

/** The body as text, or undefined when it is longer than `max` bytes (reading stops there). */
export async function readLimited(response: Response, max: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > max) {
    await response.body?.cancel();
    return undefined;
  }
  const bytes = await readBytes(response, max);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

export async function readBytes(response: Response, max: number): Promise<Uint8Array | undefined> {
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    length += chunk.byteLength;
    if (length > max) {
      await response.body.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
