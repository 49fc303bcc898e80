// COMPAT: ts-mls 1.6.4's root entry re-exports its noble provider, which imports @noble/hashes, a package
// ts-mls lists only as a devDependency. Values therefore come from its per-module entries ('ts-mls/x.js').
import type { CiphersuiteImpl, CryptoProvider } from 'ts-mls';
import { getCiphersuiteFromName } from 'ts-mls/crypto/ciphersuite.js';
import { getCiphersuiteImpl } from 'ts-mls/crypto/getCiphersuiteImpl.js';
import { defaultCryptoProvider } from 'ts-mls/crypto/implementation/default/provider.js';

/** The one cipher suite Parley speaks: MLS cipher suite 1. */
export const SUITE_NAME = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const;

/** A ready-to-use implementation of cipher suite 1 (hash, KDF, HPKE, signatures, randomness). */
export type Suite = CiphersuiteImpl;

const loaded = new WeakMap<CryptoProvider, Promise<Suite>>();

/**
 * Loads cipher suite 1 from a crypto provider, once per provider. Without an argument it uses ts-mls's
 * default provider (WebCrypto plus @hpke/core), which runs in browsers and on Node; on Node pass
 * `nodeCryptoProvider` from `@parley/crypto/node` for a several times faster suite.
 *
 * @example
 * const suite = await loadSuite();
 * const ctx = createContext({ suite, lookupIdentityKey });
 */
export function loadSuite(provider: CryptoProvider = defaultCryptoProvider): Promise<Suite> {
  let suite = loaded.get(provider);
  if (suite === undefined) {
    suite = getCiphersuiteImpl(getCiphersuiteFromName(SUITE_NAME), provider);
    loaded.set(provider, suite);
  }
  return suite;
}
