// Ed25519 signing keys as node KeyObjects and as OKP JWKs (RFC 8037), with RFC 7638 thumbprints as key ids.
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';

export interface OkpPublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}
export interface OkpPrivateJwk extends OkpPublicJwk {
  d: string;
}

export interface Ed25519KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

export function isEd25519(key: KeyObject, type: 'public' | 'private'): boolean {
  return key.type === type && key.asymmetricKeyType === 'ed25519';
}

/**
 * A fresh Ed25519 key pair, from 32 random bytes (RFC 8032 §5.1.5) rather than `generateKeyPairSync`: on Node 20
 * exporting a generated key as JWK can deadlock against the garbage collection of its generation job (see
 * `freshPair` in @parley/crypto's node.ts).
 *
 * @example
 * const { publicKey, privateKey } = generateSigningKey();
 */
export function generateSigningKey(): Ed25519KeyPair {
  const seed = randomBytes(32);
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: '' },
    format: 'jwk',
  });
  seed.fill(0);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * The public JWK of an Ed25519 key (given its public or private half), with exactly kty, crv and x.
 *
 * @example
 * exportPublicJwk(privateKey); // { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKx...' }
 */
export function exportPublicJwk(key: KeyObject): OkpPublicJwk {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (!isEd25519(publicKey, 'public')) throw new TypeError('not an Ed25519 key');
  const { x } = publicKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: x as string };
}

/**
 * The private JWK of an Ed25519 private key (kty, crv, x, d). Secret: never log it.
 *
 * @example
 * const jwk = exportPrivateJwk(generateSigningKey().privateKey);
 */
export function exportPrivateJwk(key: KeyObject): OkpPrivateJwk {
  if (!isEd25519(key, 'private')) throw new TypeError('not an Ed25519 private key');
  const { x, d } = key.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: x as string, d: d as string };
}

/**
 * Imports a peer's public key from untrusted JSON; undefined unless it is exactly an Ed25519 OKP JWK.
 *
 * @example
 * const key = importPublicJwk(discovery.keys[0]);
 * if (!key) return { ok: false, reason: 'unknownKey' };
 */
export function importPublicJwk(jwk: unknown): KeyObject | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const { kty, crv, x } = jwk as Record<string, unknown>;
  if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || !B64URL_32.test(x)) return undefined;
  try {
    return createPublicKey({ key: { kty, crv, x }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/**
 * Imports our own private key from configuration; throws a TypeError when it is not an Ed25519 OKP JWK or
 * when its `x` does not belong to its `d` (a misconfiguration, not a runtime condition).
 *
 * @example
 * const privateKey = importPrivateJwk(JSON.parse(config.signingKey));
 */
export function importPrivateJwk(jwk: OkpPrivateJwk): KeyObject {
  const { kty, crv, x, d } = jwk;
  if (kty !== 'OKP' || crv !== 'Ed25519' || !B64URL_32.test(d) || !B64URL_32.test(x)) {
    throw new TypeError('not an Ed25519 OKP private JWK');
  }
  const key = createPrivateKey({ key: { kty, crv, x, d }, format: 'jwk' });
  if (exportPublicJwk(key).x !== x) throw new TypeError('JWK x does not match d');
  return key;
}

/**
 * The RFC 7638 thumbprint of an Ed25519 public key: base64url SHA-256 of `{"crv":"Ed25519","kty":"OKP","x":...}`.
 * Used as the key id (`keyid`) in signatures.
 *
 * @example
 * keyId({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' });
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'
 */
export function keyId(key: KeyObject | OkpPublicJwk): string {
  const { x } = 'kty' in key ? key : exportPublicJwk(key);
  if (!B64URL_32.test(x)) throw new TypeError('not an Ed25519 public JWK');
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${x}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}
