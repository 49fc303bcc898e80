// The MIMI content container of draft-ietf-mimi-content-08, as TypeScript types. Byte strings are Uint8Array;
// every field of the CDDL is present, in wire order.
import type { CborValue } from './cborValue.js';

/** A message ID: one hash-algorithm octet (0x01 = SHA-256) then 31 octets of hash (`bstr .size 32`). */
export type MessageId = Uint8Array;

/** A decoded MIMI content message (`mimiContent`). */
export interface MimiContent {
  /** 16 cryptographically random octets, unique per message. */
  salt: Uint8Array;
  /** The ID of the message this one edits, deletes or otherwise replaces; null for none. */
  replaces: MessageId | null;
  /** Groups messages into a topic or thread; empty for none. */
  topicId: Uint8Array;
  /** When the receiver should delete the message; null for never. */
  expires: Expiration | null;
  /** The ID of the message this one replies or reacts to; null for none. */
  inReplyTo: MessageId | null;
  /** The extensions map (`mimiExtensions`). */
  extensions: Extensions;
  /** The body. */
  nestedPart: NestedPart;
}

/** A message expiry: `time` is seconds to stay visible after reading (relative) or since the epoch (absolute). */
export interface Expiration {
  relative: boolean;
  /** uint32 */
  time: number;
}

/** An extension map key other than the two named ones: an integer within ±(2^53 − 1) or 1..255 UTF-8 octets. */
export type ExtensionKey = number | string;

/** The extensions map; absent optional fields are left out (the decoder never sets them to undefined). */
export interface Extensions {
  /** Key 1: the sender's URI. */
  senderUri?: string;
  /** Key 2: the room's URI. */
  roomUri?: string;
  /** Every other extension (never keys 1 or 2); left out by the decoder when there are none. */
  other?: Map<ExtensionKey, CborValue>;
}

/** Part dispositions 0..8 of the draft's registry; 9..255 are unknown ones, kept as numbers. */
export const Dispositions = {
  unspecified: 0,
  render: 1,
  reaction: 2,
  profile: 3,
  inline: 4,
  icon: 5,
  attachment: 6,
  session: 7,
  preview: 8,
} as const;

/** A disposition value, 0..255 (see {@link Dispositions}). */
export type Disposition = number;

/** The wire value of each cardinality. */
export const Cardinalities = { nullPart: 0, single: 1, external: 2, multi: 3 } as const;
export type Cardinality = keyof typeof Cardinalities;

/** How the parts of a multipart relate: pick one, all as one unit, or each on its own. */
export const PartSemanticsValues = { chooseOne: 0, singleUnit: 1, processAll: 2 } as const;
export type PartSemantics = keyof typeof PartSemanticsValues;

/** The zero-based, depth-first (pre-order) index of a part within a message body. */
export type PartIndex = number;

interface PartHeader {
  disposition: Disposition;
  /** Empty, or a comma-separated list of RFC 5646 language tags. */
  language: string;
}

/** A body with no content (deletes, unlikes). */
export interface NullPart extends PartHeader {
  cardinality: 'nullPart';
}

/** Inline content of one media type. */
export interface SinglePart extends PartHeader {
  cardinality: 'single';
  contentType: string;
  content: Uint8Array;
}

/** Content fetched from a URL, optionally encrypted with an AEAD and checked against a hash. */
export interface ExternalPart extends PartHeader {
  cardinality: 'external';
  contentType: string;
  url: string;
  /** uint32: seconds since the epoch after which the content is invalid; 0 for never. */
  expires: number;
  /** uint64: size in octets; 0 when not given. */
  size: bigint;
  /** uint16: IANA AEAD algorithm, 0 for none (then key, nonce and aad are empty). */
  encAlg: number;
  key: Uint8Array;
  nonce: Uint8Array;
  aad: Uint8Array;
  /** uint8: IANA Named Information hash algorithm, 0 for none. */
  hashAlg: number;
  contentHash: Uint8Array;
  description: string;
  filename: string;
}

/** Two or more nested parts. */
export interface MultiPart extends PartHeader {
  cardinality: 'multi';
  partSemantics: PartSemantics;
  parts: NestedPart[];
}

export type NestedPart = NullPart | SinglePart | ExternalPart | MultiPart;

/** NestedParts may be nested at most this many levels deep (the body is level 1). */
export const MAX_PART_DEPTH = 4;
/** Maps, arrays and tags in the extensions may be nested at most this deep (the extensions map is level 1). */
export const MAX_EXTENSION_DEPTH = 4;
/** The default input limit of the decoders. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
