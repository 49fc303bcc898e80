// RFC 9180 HPKE, base mode only, for DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM, written over
// synchronous primitives so that a platform (node:crypto today) only supplies HMAC, X25519 and AES-GCM.
// It implements the `Hpke` and `Kdf` shapes ts-mls asks of a crypto provider.
import type { Hpke, Kdf, PrivateKey, PublicKey } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';

/** The raw primitives a platform provides. All byte strings are plain Uint8Arrays. */
export interface Primitives {
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  x25519Generate(): { privateKey: Uint8Array; publicKey: Uint8Array };
  x25519Public(privateKey: Uint8Array): Uint8Array;
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  aes128GcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  aes128GcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

const N_SECRET = 32;
const N_KEY = 16;
const N_NONCE = 12;
const N_HASH = 32;
const text = (s: string) => new TextEncoder().encode(s);
const KEM_SUITE = concat(text('KEM'), new Uint8Array([0x00, 0x20]));
const HPKE_SUITE = concat(text('HPKE'), new Uint8Array([0x00, 0x20, 0x00, 0x01, 0x00, 0x01]));
const V1 = text('HPKE-v1');

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** HKDF-SHA256 (RFC 5869) from HMAC. */
export function hkdf(p: Primitives) {
  const extract = (salt: Uint8Array, ikm: Uint8Array) => p.hmacSha256(salt, ikm);
  const expand = (prk: Uint8Array, info: Uint8Array, length: number): Uint8Array => {
    if (length > 255 * N_HASH) throw new Error('HKDF output too long');
    const out = new Uint8Array(length);
    let block: Uint8Array = new Uint8Array(0);
    for (let i = 1, at = 0; at < length; i++) {
      block = p.hmacSha256(prk, concat(block, info, new Uint8Array([i])));
      out.set(block.subarray(0, Math.min(N_HASH, length - at)), at);
      at += N_HASH;
    }
    return out;
  };
  return { extract, expand };
}

/** The ts-mls `Kdf` for HKDF-SHA256. */
export function makeKdf(p: Primitives): Kdf {
  const { extract, expand } = hkdf(p);
  return {
    extract: async (salt, ikm) => extract(salt, ikm),
    expand: async (prk, info, len) => expand(prk, info, len),
    size: N_HASH,
  };
}

// ts-mls treats keys as opaque handles; ours carry the raw bytes (and, for private keys, the public key).
type RawPrivate = { type: 'private'; raw: Uint8Array; pub: Uint8Array };
type RawPublic = { type: 'public'; raw: Uint8Array };
const asPrivate = (k: PrivateKey) => k as unknown as RawPrivate;

/** Reports failures on received data (bad keys, tags) as ts-mls's CryptoError, as its default provider does. */
function received<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (e) {
    return Promise.reject(new CryptoError(e instanceof Error ? e.message : String(e)));
  }
}
const asPublic = (k: PublicKey) => k as unknown as RawPublic;

/** The ts-mls `Hpke` for DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode. */
export function makeHpke(p: Primitives): Hpke {
  const { extract, expand } = hkdf(p);
  const labeledExtract = (suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array) =>
    extract(salt, concat(V1, suite, text(label), ikm));
  const labeledExpand = (suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, n: number) =>
    expand(prk, concat(new Uint8Array([n >> 8, n & 0xff]), V1, suite, text(label), info), n);

  const privateKey = (raw: Uint8Array): PrivateKey => {
    if (raw.length !== 32) throw new Error('X25519 private key must be 32 bytes');
    const key: RawPrivate = { type: 'private', raw: raw.slice(), pub: p.x25519Public(raw) };
    return key as unknown as PrivateKey;
  };
  const publicKey = (raw: Uint8Array): PublicKey => {
    if (raw.length !== 32) throw new Error('X25519 public key must be 32 bytes');
    return { type: 'public', raw: raw.slice() } satisfies RawPublic as unknown as PublicKey;
  };
  const dh = (sk: Uint8Array, pk: Uint8Array) => {
    const shared = p.x25519(sk, pk);
    if (shared.every((b) => b === 0)) throw new Error('X25519 produced the all-zero value');
    return shared;
  };
  const sharedSecret = (dhValue: Uint8Array, kemContext: Uint8Array) => {
    const prk = labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dhValue);
    return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, N_SECRET);
  };
  const encap = (pkR: Uint8Array) => {
    const eph = p.x25519Generate();
    const shared = sharedSecret(dh(eph.privateKey, pkR), concat(eph.publicKey, pkR));
    eph.privateKey.fill(0);
    return { shared, enc: eph.publicKey };
  };
  const decap = (enc: Uint8Array, skR: RawPrivate) => {
    if (enc.length !== 32) throw new Error('X25519 encapsulation must be 32 bytes');
    return sharedSecret(dh(skR.raw, enc), concat(enc, skR.pub));
  };
  const keySchedule = (shared: Uint8Array, info: Uint8Array) => {
    const empty = new Uint8Array(0);
    const context = concat(
      new Uint8Array([0]),
      labeledExtract(HPKE_SUITE, empty, 'psk_id_hash', empty),
      labeledExtract(HPKE_SUITE, empty, 'info_hash', info),
    );
    const secret = labeledExtract(HPKE_SUITE, shared, 'secret', empty);
    return {
      key: labeledExpand(HPKE_SUITE, secret, 'key', context, N_KEY),
      nonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, N_NONCE),
      exporter: labeledExpand(HPKE_SUITE, secret, 'exp', context, N_HASH),
    };
  };
  const exportFrom = (exporter: Uint8Array, exporterContext: Uint8Array, length: number) =>
    labeledExpand(HPKE_SUITE, exporter, 'sec', exporterContext, length);
  const empty = new Uint8Array(0);

  return {
    async seal(pk, plaintext, info, aad) {
      const { shared, enc } = encap(asPublic(pk).raw);
      const { key, nonce } = keySchedule(shared, info);
      return { ct: p.aes128GcmSeal(key, nonce, aad ?? empty, plaintext), enc };
    },
    open: (sk, kemOutput, ciphertext, info, aad) =>
      received(() => {
        const { key, nonce } = keySchedule(decap(kemOutput, asPrivate(sk)), info);
        return p.aes128GcmOpen(key, nonce, aad ?? empty, ciphertext);
      }),
    async exportSecret(pk, exporterContext, length, info) {
      const { shared, enc } = encap(asPublic(pk).raw);
      return { enc, secret: exportFrom(keySchedule(shared, info).exporter, exporterContext, length) };
    },
    importSecret: (sk, exporterContext, kemOutput, length, info) =>
      received(() =>
        exportFrom(keySchedule(decap(kemOutput, asPrivate(sk)), info).exporter, exporterContext, length),
      ),
    importPrivateKey: (raw) => received(() => privateKey(raw)),
    importPublicKey: (raw) => received(() => publicKey(raw)),
    exportPublicKey: async (k) => asPublic(k).raw.slice(),
    exportPrivateKey: async (k) => asPrivate(k).raw.slice(),
    encryptAead: async (key, nonce, aad, plaintext) => p.aes128GcmSeal(key, nonce, aad ?? empty, plaintext),
    decryptAead: (key, nonce, aad, ciphertext) =>
      received(() => p.aes128GcmOpen(key, nonce, aad ?? empty, ciphertext)),
    async deriveKeyPair(ikm) {
      const prk = labeledExtract(KEM_SUITE, empty, 'dkp_prk', ikm);
      const raw = labeledExpand(KEM_SUITE, prk, 'sk', empty, 32);
      const sk = privateKey(raw);
      return { privateKey: sk, publicKey: publicKey(asPrivate(sk).pub) };
    },
    async generateKeyPair() {
      const pair = p.x25519Generate();
      return { privateKey: privateKey(pair.privateKey), publicKey: publicKey(pair.publicKey) };
    },
    keyLength: N_KEY,
    nonceLength: N_NONCE,
  };
}
