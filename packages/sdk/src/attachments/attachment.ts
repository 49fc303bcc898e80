// An encrypted attachment as a message carries it: a MIMI ExternalPart (draft-ietf-mimi-content-08) whose URL
// names the ciphertext on the uploader's provider, with the AES-128-GCM key and nonce and the SHA-256 of the
// ciphertext inside the (MLS-encrypted) message. Pure functions: no keys made here, no I/O.
import type { ExternalPart } from '@parley/protocol';

/** IANA AEAD algorithm AEAD_AES_128_GCM (RFC 5116). */
export const AES_128_GCM = 1;
/** IANA Named Information hash algorithm sha-256. */
export const SHA_256 = 1;

const URL_PATTERN = /^mimi:\/\/([a-z0-9.-]+(?::\d+)?)\/attachment\/([a-z2-7]{26})$/;

/** A file sent in a message, with what a member needs to fetch and open it. */
export interface Attachment {
  /** `mimi://DOMAIN/attachment/ID`: the ciphertext, kept by the uploader's provider. */
  url: string;
  /** The file's media type, e.g. `image/png`. */
  contentType: string;
  filename: string;
  /** The file's size in octets (before encryption). */
  size: number;
  /** The AES-128-GCM key (16 octets), fresh for every file. */
  key: Uint8Array;
  /** The AES-GCM nonce (12 octets). */
  nonce: Uint8Array;
  /** SHA-256 of the ciphertext, checked before decrypting. */
  hash: Uint8Array;
  description?: string;
}

/** The file a device sends: its bytes, name and media type. */
export interface FileInput {
  data: Uint8Array;
  name: string;
  type: string;
}

/**
 * The provider domain and id an attachment URL names, or undefined for a URL that is not one.
 *
 * @example
 * attachmentLocation('mimi://a.example/attachment/abcdefghijklmnopqrstuvwxyz'); // { domain: 'a.example', id: … }
 */
export function attachmentLocation(url: string): { domain: string; id: string } | undefined {
  const match = URL_PATTERN.exec(url);
  return match ? { domain: match[1]!, id: match[2]! } : undefined;
}

/**
 * The ExternalPart that carries an attachment.
 *
 * @example
 * const part = toExternalPart(attachment, Dispositions.attachment);
 */
export function toExternalPart(a: Attachment, disposition: number): ExternalPart {
  return {
    cardinality: 'external',
    disposition,
    language: '',
    contentType: a.contentType,
    url: a.url,
    expires: 0,
    size: BigInt(a.size),
    encAlg: AES_128_GCM,
    key: a.key,
    nonce: a.nonce,
    aad: new Uint8Array(0),
    hashAlg: SHA_256,
    contentHash: a.hash,
    description: a.description ?? '',
    filename: a.filename,
  };
}

/**
 * The attachment an ExternalPart describes, when this client can open it: AES-128-GCM with a 16-octet key and a
 * 12-octet nonce, no additional data, a SHA-256 hash, and a Parley attachment URL. Anything else is undefined.
 *
 * @example
 * const attachment = fromExternalPart(part);
 */
export function fromExternalPart(part: ExternalPart): Attachment | undefined {
  const usable =
    part.encAlg === AES_128_GCM &&
    part.key.length === 16 &&
    part.nonce.length === 12 &&
    part.aad.length === 0 &&
    part.hashAlg === SHA_256 &&
    part.contentHash.length === 32 &&
    part.size <= BigInt(Number.MAX_SAFE_INTEGER) &&
    attachmentLocation(part.url) !== undefined;
  if (!usable) return undefined;
  return {
    url: part.url,
    contentType: part.contentType.slice(0, 255),
    filename: part.filename.slice(0, 255),
    size: Number(part.size),
    key: part.key,
    nonce: part.nonce,
    hash: part.contentHash,
    ...(part.description ? { description: part.description.slice(0, 1000) } : {}),
  };
}
