// The extensions map and the data-model rules the draft puts on extension values (§6.2, §6.3), shared by the
// encoder (failing with `invalid`) and the decoder (failing with `malformed`).

import { utf8Bytes } from './cborEncode.js';
import { type CborMap, CborTag, type CborValue } from './cborValue.js';
import { ContentError } from './errors.js';
import { type ExtensionKey, type Extensions, MAX_EXTENSION_DEPTH } from './types.js';

type Code = 'malformed' | 'invalid';

const SENDER_URI = 1;
const ROOM_URI = 2;
const MAX_KEY = Number.MAX_SAFE_INTEGER; // integer keys must survive a round trip through a double

function isIntKey(k: CborValue): k is number | bigint {
  return (
    (typeof k === 'number' && Number.isSafeInteger(k)) ||
    (typeof k === 'bigint' && k >= -MAX_KEY && k <= MAX_KEY)
  );
}

/** Checks one value nested at `level` (the extensions map is level 1): depth, map key types and ranges. */
function checkValue(v: CborValue, level: number, path: string, code: Code): void {
  const container = Array.isArray(v) || v instanceof Map || v instanceof CborTag;
  if (!container) return;
  if (level > MAX_EXTENSION_DEPTH) {
    throw new ContentError(
      'tooDeep',
      `${path}: more than ${MAX_EXTENSION_DEPTH} levels inside the extensions`,
    );
  }
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) checkValue(item, level + 1, `${path}[${i}]`, code);
  } else if (v instanceof CborTag) checkValue(v.value, level + 1, `${path}.tag(${v.tag})`, code);
  else {
    for (const [k, item] of v) {
      if (!isIntKey(k) && typeof k !== 'string' && !(k instanceof Uint8Array)) {
        throw new ContentError(code, `${path}: map keys must be integers within ±(2^53-1), text or bytes`);
      }
      checkValue(item, level + 1, `${path}[${String(k)}]`, code);
    }
  }
}

function checkKey(k: CborValue, code: Code): asserts k is ExtensionKey {
  if (typeof k === 'number' && Number.isSafeInteger(k)) return;
  if (typeof k === 'string') {
    const n = utf8Bytes(k).length;
    if (n >= 1 && n <= 255) return;
  }
  throw new ContentError(
    code,
    `extension key ${String(k)} must be an integer within ±(2^53-1) or 1..255 octets of text`,
  );
}

/** The extensions map of a message, validated. */
export function extensionsFromCbor(v: CborValue): Extensions {
  if (!(v instanceof Map)) throw new ContentError('malformed', 'mimiExtensions: expected a map');
  const out: Extensions = {};
  const other = new Map<ExtensionKey, CborValue>();
  for (const [k, value] of v) {
    checkKey(k, 'malformed');
    if (k === SENDER_URI || k === ROOM_URI) {
      if (typeof value !== 'string') throw new ContentError('malformed', `extension ${k}: expected text`);
      if (k === SENDER_URI) out.senderUri = value;
      else out.roomUri = value;
      continue;
    }
    checkValue(value, 2, `extension ${k}`, 'malformed');
    other.set(k, value);
  }
  if (other.size > 0) out.other = other;
  return out;
}

/** The extensions of a message as a CBOR map, validated. */
export function extensionsToCbor(e: Extensions): CborMap {
  if (typeof e !== 'object' || e === null)
    throw new ContentError('invalid', 'extensions: expected an object');
  const out: CborMap = new Map();
  for (const [k, value] of [
    [SENDER_URI, e.senderUri],
    [ROOM_URI, e.roomUri],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new ContentError('invalid', `extension ${k}: expected a string`);
    out.set(k, value);
  }
  if (e.other !== undefined && !(e.other instanceof Map))
    throw new ContentError('invalid', 'extensions.other: expected a Map');
  for (const [k, value] of e.other ?? []) {
    checkKey(k, 'invalid');
    if (k === SENDER_URI || k === ROOM_URI) {
      throw new ContentError('invalid', `extensions.other: key ${k} belongs in senderUri/roomUri`);
    }
    checkValue(value, 2, `extension ${k}`, 'invalid');
    out.set(k, value);
  }
  return out;
}
