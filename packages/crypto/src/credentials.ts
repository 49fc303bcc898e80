// Parley's authentication service. A device credential is an MLS basic credential whose identity is
//   struct { uint8 version = 1; opaque user_uri<u16>; opaque device_id<u16>; opaque certificate<u16>; }
// and the certificate is the user's long-term Ed25519 identity key signing
//   "parley device certificate v1" || 0x00 || user_uri<u16> || device_id<u16> || signature_key<u16>
// so a leaf is accepted only if its MLS signature key is the one the user certified for that device.
import type { AuthenticationService, Credential } from 'ts-mls';
import { CryptoError } from './errors.js';
import { loadSuite, type Suite } from './suite.js';
import { opaque16, Reader } from './wire.js';

const VERSION = 1;
const CERT_LABEL = new TextEncoder().encode('parley device certificate v1\0');
const USER_URI = /^mimi:\/\/[^/\s]+\/u\/[^/\s]+$/;
const MAX_URI = 2048;
const MAX_DEVICE_ID = 256;
// PKCS#8 wrapping of an Ed25519 seed, as WebCrypto exports it; we keep keys as the bare 32-byte seed.
const ED25519_PKCS8 = [
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/** An Ed25519 key pair: 32-byte public key, 32-byte private seed. */
export interface SigningKeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** Who a device credential names. */
export interface DeviceName {
  userUri: string;
  deviceId: string;
}

/** A device credential's decoded identity. */
export interface DeviceCredential extends DeviceName {
  certificate: Uint8Array;
}

/** Finds the long-term identity public key of a user, or undefined when the user is unknown. */
export type LookupIdentityKey = (userUri: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/** The verdict on a credential: expected failures are values, not exceptions. */
export type CredentialCheck =
  | ({ ok: true } & DeviceName)
  | { ok: false; reason: 'notBasic' | 'malformed' | 'unknownUser' | 'badCertificate' };

function seed(privateKey: Uint8Array): Uint8Array {
  const wrapped = privateKey.length === 48 && ED25519_PKCS8.every((b, i) => privateKey[i] === b);
  return wrapped ? privateKey.slice(16) : privateKey;
}

async function keyPair(suite?: Suite): Promise<SigningKeyPair> {
  const pair = await (suite ?? (await loadSuite())).signature.keygen();
  return { publicKey: pair.publicKey, privateKey: seed(pair.signKey) };
}

/**
 * Creates a user's long-term Ed25519 identity key pair, the root that certifies each of the user's devices.
 * Publish `publicKey` so other providers' `lookupIdentityKey` can find it; keep `privateKey` secret.
 *
 * @example
 * const alice = await createIdentity();
 */
export function createIdentity(suite?: Suite): Promise<SigningKeyPair> {
  return keyPair(suite);
}

/**
 * Creates a device's MLS signature key pair (Ed25519). The public half is what `certifyDevice` certifies; the
 * private half never leaves the device.
 *
 * @example
 * const phoneKey = await createDeviceKey();
 */
export function createDeviceKey(suite?: Suite): Promise<SigningKeyPair> {
  return keyPair(suite);
}

function certificateInput(name: DeviceName, signaturePublicKey: Uint8Array): Uint8Array {
  const fields = opaque16(name.userUri, name.deviceId, signaturePublicKey);
  const out = new Uint8Array(CERT_LABEL.length + fields.length);
  out.set(CERT_LABEL);
  out.set(fields, CERT_LABEL.length);
  return out;
}

function checkName({ userUri, deviceId }: DeviceName): boolean {
  return (
    USER_URI.test(userUri) &&
    userUri.length <= MAX_URI &&
    deviceId.length > 0 &&
    deviceId.length <= MAX_DEVICE_ID &&
    !/\p{Cc}/u.test(deviceId)
  );
}

/**
 * Certifies a device: the user's identity key signs (userUri, deviceId, device signature public key) and the
 * result is returned as the MLS basic credential the device puts in its key packages and leaf.
 *
 * @example
 * const credential = await certifyDevice(alice.privateKey, {
 *   userUri: 'mimi://a.example/u/alice', deviceId: 'phone', signaturePublicKey: phoneKey.publicKey,
 * });
 */
export async function certifyDevice(
  identityPrivateKey: Uint8Array,
  device: DeviceName & { signaturePublicKey: Uint8Array },
  suite?: Suite,
): Promise<Credential> {
  if (!checkName(device))
    throw new CryptoError('usage', 'userUri must be mimi://host/u/name; deviceId 1-256 chars');
  const s = suite ?? (await loadSuite());
  const certificate = await s.signature.sign(
    seed(identityPrivateKey),
    certificateInput(device, device.signaturePublicKey),
  );
  const identity = new Uint8Array([VERSION, ...opaque16(device.userUri, device.deviceId, certificate)]);
  return { credentialType: 'basic', identity };
}

/**
 * Decodes the identity of a Parley device credential, or returns undefined when the credential is not one.
 * This reads names only; trust them after `verifyDeviceCredential` (MLS group members were verified already).
 *
 * @example
 * const name = readDeviceCredential(leaf.credential); // { userUri, deviceId, certificate } | undefined
 */
export function readDeviceCredential(credential: Credential): DeviceCredential | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  const reader = new Reader(credential.identity);
  if (reader.u8() !== VERSION) return undefined;
  const userUri = reader.string16();
  const deviceId = reader.string16();
  const certificate = reader.opaque16();
  if (userUri === undefined || deviceId === undefined || certificate === undefined || !reader.done)
    return undefined;
  if (!checkName({ userUri, deviceId }) || certificate.length !== 64) return undefined;
  return { userUri, deviceId, certificate };
}

/**
 * Checks a device credential against the MLS signature key it is used with: it must be a basic credential in
 * our format, name a user whose identity key `lookupIdentityKey` knows, and carry that key's signature over
 * (userUri, deviceId, signaturePublicKey). A key certified for another device or user fails.
 *
 * @example
 * const check = await verifyDeviceCredential(leaf.credential, leaf.signaturePublicKey, directory.identityKey);
 * if (!check.ok) console.warn('rejected:', check.reason);
 */
export async function verifyDeviceCredential(
  credential: Credential,
  signaturePublicKey: Uint8Array,
  lookupIdentityKey: LookupIdentityKey,
  suite?: Suite,
): Promise<CredentialCheck> {
  if (credential.credentialType !== 'basic') return { ok: false, reason: 'notBasic' };
  const device = readDeviceCredential(credential);
  if (device === undefined) return { ok: false, reason: 'malformed' };
  const identityKey = await lookupIdentityKey(device.userUri);
  if (identityKey === undefined) return { ok: false, reason: 'unknownUser' };
  const s = suite ?? (await loadSuite());
  const valid = await s.signature.verify(
    identityKey,
    certificateInput(device, signaturePublicKey),
    device.certificate,
  );
  if (!valid) return { ok: false, reason: 'badCertificate' };
  return { ok: true, userUri: device.userUri, deviceId: device.deviceId };
}

/**
 * The ts-mls authentication service for Parley: every credential MLS meets (joining, commits, adds, updates,
 * external senders) goes through `verifyDeviceCredential`, and a rejection aborts the operation with a
 * `CryptoError('credentialRejected')` naming the reason.
 *
 * @example
 * const config = { ...defaultClientConfig, authService: parleyAuthService(lookup, suite) };
 */
export function parleyAuthService(lookupIdentityKey: LookupIdentityKey, suite: Suite): AuthenticationService {
  return {
    async validateCredential(credential, signaturePublicKey) {
      let check: CredentialCheck;
      try {
        check = await verifyDeviceCredential(credential, signaturePublicKey, lookupIdentityKey, suite);
      } catch (e) {
        throw new CryptoError('credentialRejected', 'identity key lookup failed', { cause: e });
      }
      if (!check.ok)
        throw new CryptoError('credentialRejected', `device credential rejected: ${check.reason}`);
      return true;
    },
  };
}

/** True when two credentials name the same device (used to refuse a leaf silently changing hands). */
export function sameDevice(a: Credential, b: Credential): boolean {
  const x = readDeviceCredential(a);
  const y = readDeviceCredential(b);
  return x !== undefined && y !== undefined && x.userUri === y.userUri && x.deviceId === y.deviceId;
}
