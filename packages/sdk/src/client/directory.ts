// Whose identity key certifies whose devices. Keys are fetched from the device's own provider
// (`GET /v1/users/:user`, which answers for remote users too) and pinned in the store on first use (TOFU): a key
// the provider later reports differently is ignored, so a provider cannot swap a user's key silently once this
// device has seen it. The pin can only be checked out of band (safety numbers), which is left to the app.
import type { LookupIdentityKey } from '@parley/crypto';
import { SdkError } from '../errors.js';
import type { Store } from '../store/types.js';
import type { ProviderApi } from '../transport/api.js';
import { addressOf } from './names.js';

/**
 * Builds the `lookupIdentityKey` the MLS authentication service calls: the pinned key if there is one, else the
 * provider's answer, pinned. Unknown users (404, or no key published yet) are `undefined`, which rejects their
 * credentials; a provider that cannot be reached throws, so the message is retried rather than rejected.
 *
 * @example
 * const ctx = createContext({ suite, lookupIdentityKey: identityLookup(api, store) });
 */
export function identityLookup(api: ProviderApi, store: Store): LookupIdentityKey {
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  const fetchKey = async (userUri: string): Promise<Uint8Array | undefined> => {
    const pinned = await store.identityKey(userUri);
    if (pinned) return pinned;
    let key: Uint8Array | null;
    try {
      key = (await api.user(addressOf(userUri))).identityKey;
    } catch (error) {
      if (error instanceof SdkError && (error.code === 'noSuchUser' || error.status === 404))
        return undefined;
      throw error;
    }
    if (key === null) return undefined;
    await store.write({ identityKeys: [{ userUri, key }] });
    return key;
  };
  return (userUri) => {
    let found = cache.get(userUri);
    if (!found) {
      found = fetchKey(userUri);
      cache.set(userUri, found);
      // Only a definite answer is remembered; failures and "no key yet" are asked again next time.
      found.then(
        (key) => key === undefined && cache.delete(userUri),
        () => cache.delete(userUri),
      );
    }
    return found;
  };
}
