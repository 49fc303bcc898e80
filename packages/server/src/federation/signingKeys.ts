/**
 * This provider's Ed25519 signing keys: made on first use and kept in storage (`provider_keys`), so a restart
 * keeps the key id peers have cached. The active key is held in memory until it expires or is rotated.
 */
import type { KeyObject } from 'node:crypto';
import {
  exportPrivateJwk,
  exportPublicJwk,
  generateSigningKey,
  importPrivateJwk,
  keyId,
  type OkpPrivateJwk,
  type OkpPublicJwk,
} from '@parley/federation';
import type { ProviderKeyRecord, Storage } from '../storage/types.js';

export interface ActiveKey {
  keyId: string;
  privateKey: KeyObject;
  notAfter: number;
}

export interface PublishedKey {
  keyid: string;
  jwk: OkpPublicJwk;
  /** Unix seconds. */
  notBefore: number;
  /** Unix seconds. */
  notAfter: number;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export class SigningKeys {
  #active: Promise<ActiveKey> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly lifetimeMs: number,
    private readonly now: () => number,
  ) {}

  /** The key to sign with now. */
  async current(): Promise<ActiveKey> {
    const cached = await this.#active?.catch(() => undefined);
    if (cached && cached.notAfter > this.now()) return cached;
    this.#active = this.storage.providerKeys
      .active(this.now(), () => this.#fresh())
      .then((record) => ({
        keyId: record.keyId,
        privateKey: importPrivateJwk(JSON.parse(record.privateJwk) as OkpPrivateJwk),
        notAfter: record.notAfter,
      }));
    return this.#active;
  }

  /** What discovery publishes: every key still valid, newest first. */
  async published(): Promise<PublishedKey[]> {
    await this.current();
    const keys = await this.storage.providerKeys.list(this.now());
    return keys.map((k) => ({
      keyid: k.keyId,
      jwk: JSON.parse(k.publicJwk) as OkpPublicJwk,
      notBefore: seconds(k.createdAt),
      notAfter: seconds(k.notAfter),
    }));
  }

  /**
   * Replaces the active key: the old one stays valid for `graceMs` (0 retires it at once), the new one signs
   * from now on. Peers learn it by refetching discovery when they meet its unknown key id.
   */
  async rotate(graceMs = 0): Promise<ActiveKey> {
    const next = this.#fresh();
    await this.storage.providerKeys.rotate(next, this.now() + graceMs);
    this.#active = undefined;
    return this.current();
  }

  #fresh(): ProviderKeyRecord {
    const { privateKey } = generateSigningKey();
    const publicJwk = exportPublicJwk(privateKey);
    const createdAt = this.now();
    return {
      keyId: keyId(publicJwk),
      privateJwk: JSON.stringify(exportPrivateJwk(privateKey)),
      publicJwk: JSON.stringify(publicJwk),
      createdAt,
      notAfter: createdAt + this.lifetimeMs,
    };
  }
}
