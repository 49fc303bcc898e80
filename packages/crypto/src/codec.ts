import type { GroupInfo, KeyPackage, MLSMessage, RatchetTree, Welcome } from 'ts-mls';
import { decodeMlsMessage, encodeMlsMessage } from 'ts-mls/message.js';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { CryptoError } from './errors.js';

/** The largest MLS message the package decodes (a Welcome carrying a large ratchet tree fits). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

function whole<T>(bytes: Uint8Array, decode: (b: Uint8Array, offset: number) => [T, number] | undefined): T {
  if (bytes.length > MAX_MESSAGE_BYTES) throw new CryptoError('malformed', 'MLS message too large');
  let decoded: [T, number] | undefined;
  try {
    decoded = decode(bytes, 0);
  } catch (e) {
    throw new CryptoError('malformed', 'MLS message does not decode', { cause: e });
  }
  if (decoded === undefined) throw new CryptoError('malformed', 'MLS message does not decode');
  if (decoded[1] !== bytes.length) throw new CryptoError('malformed', 'trailing bytes after MLS message');
  return decoded[0];
}

/**
 * Decodes one whole MLSMessage, e.g. to route it by wire format or group id before processing. Malformed,
 * oversized or trailing input is a CryptoError('malformed').
 *
 * @example
 * const m = decodeMessage(bytes);
 * if (m.wireformat === 'mls_public_message') console.log('handshake for epoch', m.publicMessage.content.epoch);
 */
export function decodeMessage(bytes: Uint8Array): MLSMessage {
  const message = whole(bytes, decodeMlsMessage);
  if (message.version !== 'mls10') throw new CryptoError('unexpectedMessage', 'not an MLS 1.0 message');
  return message;
}

/** Encodes an MLSMessage (internal: the public API hands out bytes already). */
export function encodeMessage(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

const wrongKind = (want: string) => new CryptoError('unexpectedMessage', `expected an MLS ${want}`);

/** Decodes an encoded MLSMessage that must hold a KeyPackage. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_key_package') throw wrongKind('KeyPackage');
  return m.keyPackage;
}

/** Decodes an encoded MLSMessage that must hold a Welcome. */
export function decodeWelcome(bytes: Uint8Array): Welcome {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_welcome') throw wrongKind('Welcome');
  return m.welcome;
}

/** Decodes an encoded MLSMessage that must hold a GroupInfo. */
export function decodeGroupInfo(bytes: Uint8Array): GroupInfo {
  const m = decodeMessage(bytes);
  if (m.wireformat !== 'mls_group_info') throw wrongKind('GroupInfo');
  return m.groupInfo;
}

/** Decodes a bare TLS-encoded ratchet tree (as sent beside a Welcome without the ratchet_tree extension). */
export function decodeTree(bytes: Uint8Array): RatchetTree {
  return whole(bytes, decodeRatchetTree);
}
