import { utf8Bytes } from './cborEncode.js';
import { decodeContent } from './decode.js';
import { ContentError } from './errors.js';

/** The IANA Named Information hash algorithm ID of SHA-256, the first octet of every message ID made here. */
export const HASH_ALG_SHA256 = 1;

/** The part of WebCrypto used here (present in browsers and in Node 20 as `globalThis.crypto`). */
interface Digester {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
}

function subtle(): Digester {
  const s = (globalThis as { crypto?: { subtle?: Digester } }).crypto?.subtle;
  if (!s) throw new ContentError('unsupported', 'WebCrypto (globalThis.crypto.subtle) is not available');
  return s;
}

function lengthPrefixed(uri: string, name: string): Uint8Array {
  if (typeof uri !== 'string') throw new ContentError('invalid', `${name}: expected a string`);
  const b = utf8Bytes(uri);
  if (b.length > 0xffff) throw new ContentError('invalid', `${name}: longer than 65535 octets`);
  const out = new Uint8Array(2 + b.length);
  out[0] = b.length >> 8;
  out[1] = b.length & 0xff;
  out.set(b, 2);
  return out;
}

/**
 * Computes the 32-octet message ID of an encoded MIMI content message (draft-ietf-mimi-content-08 §3.3):
 * `0x01 || SHA-256(u16(len sender) || sender || u16(len room) || room || message || salt)[0..30]`, with URIs in
 * UTF-8 and lengths big-endian. `salt` defaults to the message's own salt field, which requires `encoded` to be a
 * valid message (otherwise the {@link ContentError} of {@link decodeContent} is thrown); passing the salt skips
 * that parse. Uses WebCrypto, so it is asynchronous and works in browsers and Node alike.
 *
 * @example
 * const encoded = encodeContent(msg);
 * const id = await messageId(msg.extensions.senderUri!, msg.extensions.roomUri!, encoded);
 * const reply = { ...draft, inReplyTo: id };
 */
export async function messageId(
  senderUri: string,
  roomUri: string,
  encoded: Uint8Array,
  salt?: Uint8Array,
): Promise<Uint8Array> {
  if (!(encoded instanceof Uint8Array)) throw new ContentError('invalid', 'encoded: expected a Uint8Array');
  const s = salt ?? decodeContent(encoded).salt;
  if (!(s instanceof Uint8Array) || s.length !== 16)
    throw new ContentError('invalid', 'salt: expected 16 bytes');
  const parts = [lengthPrefixed(senderUri, 'senderUri'), lengthPrefixed(roomUri, 'roomUri'), encoded, s];
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    input.set(p, at);
    at += p.length;
  }
  const hash = new Uint8Array(await subtle().digest('SHA-256', input));
  const id = new Uint8Array(32);
  id[0] = HASH_ALG_SHA256;
  id.set(hash.subarray(0, 31), 1);
  return id;
}
