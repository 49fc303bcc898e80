// Attachment encryption with WebCrypto (browsers and Node 20 alike): AES-128-GCM under a fresh random key and
// nonce per file, no additional data; the SHA-256 of the ciphertext lets a receiver check what its provider
// handed over before decrypting.
import { SdkError } from '../errors.js';
import { equalBytes, randomBytes } from '../util/bytes.js';

// A copy with its own ArrayBuffer: what WebCrypto's typings ask for.
const own = (bytes: Uint8Array) => new Uint8Array(bytes);

async function aesKey(raw: Uint8Array, use: 'encrypt' | 'decrypt') {
  return globalThis.crypto.subtle.importKey('raw', own(raw), { name: 'AES-GCM' }, false, [use]);
}

async function sha256Of(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', own(bytes)));
}

/**
 * Encrypts a file for upload; returns the ciphertext and the key, nonce and ciphertext hash the message carries.
 *
 * @example
 * const { ciphertext, key, nonce, hash } = await encryptAttachment(bytes);
 */
export async function encryptAttachment(plaintext: Uint8Array) {
  const key = randomBytes(16);
  const nonce = randomBytes(12);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: own(nonce) },
    await aesKey(key, 'encrypt'),
    own(plaintext),
  );
  const ciphertext = new Uint8Array(sealed);
  return { ciphertext, key, nonce, hash: await sha256Of(ciphertext) };
}

/**
 * Checks a downloaded ciphertext against its hash and decrypts it; `badAttachment` when either fails.
 *
 * @example
 * const bytes = await decryptAttachment(ciphertext, attachment);
 */
export async function decryptAttachment(
  ciphertext: Uint8Array,
  a: { key: Uint8Array; nonce: Uint8Array; hash: Uint8Array },
): Promise<Uint8Array> {
  if (!equalBytes(await sha256Of(ciphertext), a.hash))
    throw new SdkError('badAttachment', 'the attachment does not match the hash its message gave');
  try {
    const opened = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: own(a.nonce) },
      await aesKey(a.key, 'decrypt'),
      own(ciphertext),
    );
    return new Uint8Array(opened);
  } catch (cause) {
    throw new SdkError('badAttachment', 'the attachment could not be decrypted', undefined, { cause });
  }
}
