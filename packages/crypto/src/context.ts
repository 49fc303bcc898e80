import type { ClientConfig, Credential } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { type LookupIdentityKey, parleyAuthService, sameDevice } from './credentials.js';
import type { Suite } from './suite.js';

/**
 * Everything the MLS functions need besides the group state: the cipher suite implementation and the
 * ts-mls client configuration (whose `authService` is Parley's). Build it with `createContext`.
 */
export interface MlsContext {
  readonly suite: Suite;
  readonly config: ClientConfig;
  /**
   * Whether `next` may replace `previous` in the same leaf (an update or commit path). Parley's rule: the
   * leaf must stay the same user's same device. RFC 9420 leaves this to the authentication service.
   */
  readonly isSuccessor: (previous: Credential, next: Credential) => boolean;
}

/** External pre-shared keys by id, for the rare group that uses them. */
export interface ExternalPsk {
  id: Uint8Array;
  secret: Uint8Array;
}

/**
 * Builds the context for one device: the suite it computes with and the identity-key directory its
 * authentication service trusts. The context holds no group state and may be shared by all groups.
 *
 * @example
 * const ctx = createContext({ suite: await loadSuite(), lookupIdentityKey: (uri) => directory.get(uri) });
 */
export function createContext(options: { suite: Suite; lookupIdentityKey: LookupIdentityKey }): MlsContext {
  return {
    suite: options.suite,
    config: {
      ...defaultClientConfig,
      authService: parleyAuthService(options.lookupIdentityKey, options.suite),
    },
    isSuccessor: sameDevice,
  };
}
