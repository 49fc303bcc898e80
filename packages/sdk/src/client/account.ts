// Signing up and signing in. The user's identity key is made once, on the first device, and published with
// `PUT /v1/identity`; every device makes its own MLS signature key, certified by the identity key. A new device
// of an existing user therefore needs the identity key: it is exported from a device that has it
// (`exportIdentityKey`) and passed to `login` — a stand-in for a proper device-linking flow, where the old device
// would certify the new one's key without the identity key ever leaving it.
import { certifyDevice, createDeviceKey, createIdentity, type Suite } from '@parley/crypto';
import type { Session as WireSession } from '@parley/protocol';
import { SdkError } from '../errors.js';
import type { AccountRecord, KeyPair } from '../store/types.js';
import { ProviderApi } from '../transport/api.js';
import type { Fetch } from '../transport/http.js';
import { equalBytes, fromBase64, toBase64 } from '../util/bytes.js';
import { uriOf } from './names.js';

export interface SignInInput {
  /** The provider's base URL, e.g. `http://127.0.0.1:7101`. */
  server: string;
  handle: string;
  password: string;
  deviceName?: string;
}

export interface LoginInput extends SignInInput {
  /** The user's identity key as `exportIdentityKey()` gave it on another device. */
  identityKey?: string;
}

/** Encodes an identity key pair for moving it to another device (64 bytes: public key, then private seed). */
export function encodeIdentityKey(identity: KeyPair): string {
  const both = new Uint8Array(64);
  both.set(identity.publicKey);
  both.set(identity.privateKey, 32);
  return toBase64(both);
}

export function decodeIdentityKey(text: string): KeyPair {
  const both = fromBase64(text);
  if (both.length !== 64) throw new SdkError('invalidRequest', 'an identity key is 64 bytes of base64');
  return { publicKey: both.slice(0, 32), privateKey: both.slice(32) };
}

async function deviceAccount(
  server: string,
  session: WireSession,
  identity: KeyPair,
  suite: Suite,
): Promise<AccountRecord> {
  const deviceKey = await createDeviceKey(suite);
  const credential = await certifyDevice(
    identity.privateKey,
    { userUri: uriOf(session.user), deviceId: session.deviceId, signaturePublicKey: deviceKey.publicKey },
    suite,
  );
  if (credential.credentialType !== 'basic') throw new Error('certifyDevice made a non-basic credential');
  return {
    server,
    user: session.user,
    deviceId: session.deviceId,
    token: session.token,
    identity,
    deviceKey,
    credential: credential.identity,
  };
}

/**
 * Creates an account and its first device: registers, makes and publishes the identity key, and certifies this
 * device's signature key. Returns what the store must keep.
 *
 * @example
 * const account = await registerAccount({ server, handle: 'alice', password: 'correct horse' }, suite);
 */
export async function registerAccount(
  input: SignInInput,
  suite: Suite,
  fetch?: Fetch,
): Promise<AccountRecord> {
  const anonymous = new ProviderApi({ server: input.server, ...(fetch ? { fetch } : {}) });
  const session = await anonymous.register(credentials(input));
  const api = new ProviderApi({
    server: input.server,
    token: () => session.token,
    ...(fetch ? { fetch } : {}),
  });
  const identity = await createIdentity(suite);
  await api.putIdentity(identity.publicKey);
  return deviceAccount(anonymous.server, session, identity, suite);
}

/**
 * Signs in a new device of an existing account. When the user already has an identity key, `identityKey` (from
 * `exportIdentityKey()` on another device) must match it; a user without one gets a new one here.
 *
 * @example
 * const account = await loginAccount({ server, handle: 'alice', password, identityKey: exported }, suite);
 */
export async function loginAccount(input: LoginInput, suite: Suite, fetch?: Fetch): Promise<AccountRecord> {
  const anonymous = new ProviderApi({ server: input.server, ...(fetch ? { fetch } : {}) });
  const session = await anonymous.login(credentials(input));
  const api = new ProviderApi({
    server: input.server,
    token: () => session.token,
    ...(fetch ? { fetch } : {}),
  });
  try {
    const published = (await api.user(session.user)).identityKey;
    let identity: KeyPair;
    if (published === null) {
      identity = input.identityKey ? decodeIdentityKey(input.identityKey) : await createIdentity(suite);
      await api.putIdentity(identity.publicKey);
    } else {
      if (!input.identityKey)
        throw new SdkError(
          'identityKeyRequired',
          'this user has an identity key: pass it to sign in a new device',
        );
      identity = decodeIdentityKey(input.identityKey);
      if (!equalBytes(identity.publicKey, published))
        throw new SdkError(
          'identityKeyRequired',
          'the identity key given is not the one this user published',
        );
    }
    return await deviceAccount(anonymous.server, session, identity, suite);
  } catch (error) {
    // Leave no half-made device behind: it could never be certified.
    await api.http.request('DELETE', `/v1/devices/${encodeURIComponent(session.deviceId)}`).catch(() => {});
    throw error;
  }
}

function credentials(input: SignInInput) {
  return {
    handle: input.handle,
    password: input.password,
    ...(input.deviceName === undefined ? {} : { deviceName: input.deviceName }),
  };
}
