// The Node-only entry (`@parley/crypto/node`): a node:crypto implementation of cipher suite 1, about four times
// faster end to end than ts-mls's default provider (WebCrypto + @hpke/core): every primitive is one synchronous
// node:crypto call, keys are imported through JWK, and Ed25519 key objects are reused. HPKE itself is the
// platform-neutral RFC 9180 code in hpke.ts. This is the only file of the package that may import `node:`.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  randomFillSync,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type { CryptoProvider, Hash, Signature } from 'ts-mls';
import { defaultCryptoProvider } from 'ts-mls/crypto/implementation/default/provider.js';
import { makeHpke, makeKdf, type Primitives } from './hpke.js';
import { loadSuite, SUITE_NAME, type Suite } from './suite.js';

type Curve = 'X25519' | 'Ed25519';
const base64url = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
const bytes = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));

/** Copies a Buffer into a plain Uint8Array and clears the Buffer (it may sit in Node's shared pool). */
function take(buffer: Buffer): Uint8Array {
  const out = new Uint8Array(buffer);
  buffer.fill(0);
  return out;
}

// Keys go in and out as JWK: on Node 20 importing a raw OKP key through JWK is about ten times faster than
// through DER (OpenSSL 3's decoder lookup), and key imports, not the curve arithmetic, dominated the profile.
// For a private key Node reads only `d` (it derives the public half) but insists that `x` is a string.
const privateKey = (crv: Curve, raw: Uint8Array) =>
  createPrivateKey({ key: { kty: 'OKP', crv, d: base64url(raw), x: '' }, format: 'jwk' });
const publicKey = (crv: Curve, raw: Uint8Array) =>
  createPublicKey({ key: { kty: 'OKP', crv, x: base64url(raw) }, format: 'jwk' });
const rawPublic = (k: KeyObject) => bytes(k.export({ format: 'jwk' }).x);

/**
 * A fresh key pair of `crv` made from 32 random bytes (any 32 bytes are a private key of either curve: RFC 7748
 * §5, RFC 8032 §5.1.5), never with `generateKeyPair(Sync)`. On Node 20 that deadlocks the process for good:
 * the key-generation job, when the garbage collector destroys it, locks its key's mutex, and exporting the key
 * holds that same mutex while it allocates the JWK's strings, which can start that very collection. A loop of
 * X25519 generations and JWK exports froze within 20,000 rounds here (docs/CRYPTO.md tells the story).
 */
function freshPair(crv: Curve): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const raw = new Uint8Array(32);
  randomFillSync(raw);
  const publicKey = rawPublic(createPublicKey(privateKey(crv, raw)));
  return { privateKey: raw, publicKey };
}

const primitives: Primitives = {
  hmacSha256: (key, data) => take(createHmac('sha256', key).update(data).digest()),
  x25519Generate: () => freshPair('X25519'),
  x25519Public: (raw) => rawPublic(createPublicKey(privateKey('X25519', raw))),
  x25519: (sk, pk) =>
    take(diffieHellman({ privateKey: privateKey('X25519', sk), publicKey: publicKey('X25519', pk) })),
  aes128GcmSeal(key, nonce, aad, plaintext) {
    if (key.length !== 16 || nonce.length !== 12)
      throw new Error('AES-128-GCM needs a 16-byte key, 12-byte nonce');
    const cipher = createCipheriv('aes-128-gcm', key, nonce);
    if (aad.length > 0) cipher.setAAD(aad);
    return take(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
  },
  aes128GcmOpen(key, nonce, aad, ciphertext) {
    if (key.length !== 16 || nonce.length !== 12)
      throw new Error('AES-128-GCM needs a 16-byte key, 12-byte nonce');
    if (ciphertext.length < 16) throw new Error('AES-128-GCM ciphertext shorter than its tag');
    const decipher = createDecipheriv('aes-128-gcm', key, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    if (aad.length > 0) decipher.setAAD(aad);
    return take(
      Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]),
    );
  },
};

const hash: Hash = {
  digest: async (data) => take(createHash('sha256').update(data).digest()),
  mac: async (key, data) => primitives.hmacSha256(key, data),
  async verifyMac(key, mac, data) {
    const expected = primitives.hmacSha256(key, data);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  },
};

// Importing a public key costs more than verifying with it, and a group verifies the same few member keys over
// and over: keep the most recently used ones (public, so caching them leaks nothing).
const verifyKeys = new Map<string, KeyObject>();
function verifyKey(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('base64');
  let key = verifyKeys.get(id);
  if (key === undefined) {
    key = publicKey('Ed25519', raw);
    if (verifyKeys.size >= 1024) verifyKeys.delete(verifyKeys.keys().next().value as string);
  } else verifyKeys.delete(id);
  verifyKeys.set(id, key);
  return key;
}

// Importing an Ed25519 private key re-derives its public key, which costs more than the signature. A device
// signs with the same key array (it lives in the group state) for every message, so its KeyObject is kept
// beside that array, with a digest of the bytes: once the array is wiped or changed the entry no longer
// matches and is replaced, and the KeyObject goes away with the array.
const signKeys = new WeakMap<Uint8Array, { digest: string; key: KeyObject }>();
function signingKey(signKey: Uint8Array): KeyObject {
  const digest = createHash('sha256').update(signKey).digest('base64');
  const cached = signKeys.get(signKey);
  if (cached !== undefined && cached.digest === digest) return cached.key;
  const key =
    signKey.length === 32
      ? privateKey('Ed25519', signKey)
      : createPrivateKey({ key: Buffer.from(signKey), format: 'der', type: 'pkcs8' });
  signKeys.set(signKey, { digest, key });
  return key;
}

/** Ed25519 keys are raw 32-byte seeds; a PKCS#8 key (ts-mls's WebCrypto keygen makes those) also works. */
const signature: Signature = {
  async sign(signKey, message) {
    return new Uint8Array(sign(null, message, signingKey(signKey)));
  },
  async verify(pk, message, sig) {
    if (pk.length !== 32 || sig.length !== 64) return false;
    try {
      return verify(null, message, verifyKey(pk), sig);
    } catch {
      return false;
    }
  },
  async keygen() {
    const pair = freshPair('Ed25519');
    return { signKey: pair.privateKey, publicKey: pair.publicKey };
  },
};

/**
 * A ts-mls CryptoProvider backed by node:crypto for cipher suite 1 (other suites fall back to the default
 * provider). Hand it to `loadSuite`; everything else in the package is unchanged.
 *
 * @example
 * import { nodeCryptoProvider } from '@parley/crypto/node';
 * const suite = await loadSuite(nodeCryptoProvider);
 */
export const nodeCryptoProvider: CryptoProvider = {
  async getCiphersuiteImpl(cs) {
    if (cs.name !== SUITE_NAME) return defaultCryptoProvider.getCiphersuiteImpl(cs);
    return {
      name: cs.name,
      hash,
      kdf: makeKdf(primitives),
      hpke: makeHpke(primitives),
      signature,
      rng: { randomBytes: (n) => randomFillSync(new Uint8Array(n)) },
    };
  },
};

/**
 * Cipher suite 1 on node:crypto: shorthand for `loadSuite(nodeCryptoProvider)`.
 *
 * @example
 * const ctx = createContext({ suite: await loadNodeSuite(), lookupIdentityKey });
 */
export function loadNodeSuite(): Promise<Suite> {
  return loadSuite(nodeCryptoProvider);
}
