// The values a receiver derives for each message rather than reading them from it (draft-ietf-mimi-content-08
// §4.6 and Appendix A.2, `MessageDerivedValues`), with a codec for the draft's CBOR form of them.

import { encodeCbor } from './cborEncode.js';
import { CborTag, type CborValue } from './cborValue.js';
import { array, bytes, text, uint } from './decode.js';
import * as check from './encode.js';
import { ContentError } from './errors.js';
import { type DecodeOptions, decodeStrict } from './strict.js';
import type { MessageId } from './types.js';

/** RFC 9581 extended time: tag 1001 around a map. */
export const EXTENDED_TIME_TAG = 1001;

/** Milliseconds since the epoch (uint64), or an RFC 9581 extended time (`CborTag` 1001 around a map). */
export type Timestamp = bigint | CborTag;

export interface MessageDerivedValues {
  messageId: MessageId;
  hubAcceptedTimestamp: Timestamp;
  mlsGroupId: Uint8Array;
  /** uint32 */
  senderLeafIndex: number;
  senderClientUrl: string;
  senderUserUrl: string;
  roomUrl: string;
}

function timestampFromCbor(v: CborValue): Timestamp {
  if (typeof v === 'number' && v >= 0) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (v instanceof CborTag && v.tag === EXTENDED_TIME_TAG && v.value instanceof Map) return v;
  throw new ContentError('malformed', 'hubAcceptedTimestamp: expected milliseconds or an extended time');
}

function timestampToCbor(t: Timestamp): CborValue {
  if (typeof t === 'bigint' && t >= 0n && t < 2n ** 64n) return t;
  if (t instanceof CborTag && t.tag === EXTENDED_TIME_TAG && t.value instanceof Map) return t;
  throw new ContentError('invalid', 'hubAcceptedTimestamp: expected a uint64 bigint or CborTag(1001, Map)');
}

function fromCbor(v: CborValue): MessageDerivedValues {
  const f = array(v, 'MessageDerivedValues', 7);
  return {
    messageId: bytes(f[0]!, 'messageId', 32),
    hubAcceptedTimestamp: timestampFromCbor(f[1]!),
    mlsGroupId: bytes(f[2]!, 'mlsGroupId'),
    senderLeafIndex: uint(f[3]!, 'senderLeafIndex', 4),
    senderClientUrl: text(f[4]!, 'senderClientUrl'),
    senderUserUrl: text(f[5]!, 'senderUserUrl'),
    roomUrl: text(f[6]!, 'roomUrl'),
  };
}

function toCbor(d: MessageDerivedValues): CborValue {
  if (typeof d !== 'object' || d === null) throw new ContentError('invalid', 'expected MessageDerivedValues');
  return [
    check.bytes(d.messageId, 'messageId', 32),
    timestampToCbor(d.hubAcceptedTimestamp),
    check.bytes(d.mlsGroupId, 'mlsGroupId'),
    check.uint(d.senderLeafIndex, 'senderLeafIndex', 0xffffffff),
    check.text(d.senderClientUrl, 'senderClientUrl'),
    check.text(d.senderUserUrl, 'senderUserUrl'),
    check.text(d.roomUrl, 'roomUrl'),
  ];
}

/**
 * Encodes the derived values of a message in the draft's deterministic CBOR form (`MessageDerivedValues`), e.g.
 * to store them beside the message. Throws a {@link ContentError} (`invalid`) for out-of-schema values.
 *
 * @example
 * const stored = encodeDerivedValues({ messageId: id, hubAcceptedTimestamp: 1644387225019n, mlsGroupId,
 *   senderLeafIndex: 4, senderClientUrl, senderUserUrl, roomUrl });
 */
export function encodeDerivedValues(d: MessageDerivedValues): Uint8Array {
  return encodeCbor(toCbor(d));
}

/**
 * Decodes `MessageDerivedValues` with the same strictness as {@link decodeContent}: only {@link ContentError} is
 * thrown, and accepted input re-encodes to identical bytes.
 *
 * @example
 * const { messageId, hubAcceptedTimestamp } = decodeDerivedValues(stored);
 */
export function decodeDerivedValues(input: Uint8Array, options: DecodeOptions = {}): MessageDerivedValues {
  return decodeStrict(input, options, fromCbor, toCbor);
}
