import type { CborValue } from './cborValue.js';
import { contentToCbor } from './encode.js';
import { ContentError } from './errors.js';
import { extensionsFromCbor } from './extensions.js';
import { type DecodeOptions, decodeStrict } from './strict.js';
import {
  Cardinalities,
  type Expiration,
  MAX_PART_DEPTH,
  type MimiContent,
  type NestedPart,
  type PartSemantics,
  PartSemanticsValues,
} from './types.js';

function malformed(path: string, what: string): never {
  throw new ContentError('malformed', `${path}: expected ${what}`);
}

export function array(v: CborValue, path: string, length?: number): CborValue[] {
  if (!Array.isArray(v)) malformed(path, 'an array');
  if (length !== undefined && v.length !== length) malformed(path, `${length} elements, got ${v.length}`);
  return v;
}

export function bytes(v: CborValue, path: string, size?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) malformed(path, 'a byte string');
  if (size !== undefined && v.length !== size) malformed(path, `${size} bytes, got ${v.length}`);
  return v;
}

export function text(v: CborValue, path: string): string {
  return typeof v === 'string' ? v : malformed(path, 'a text string');
}

/** An unsigned integer of at most `maxBytes` octets (`uint .size n`). */
export function uint(v: CborValue, path: string, maxBytes: number): number {
  const max = 2 ** (8 * maxBytes) - 1;
  return typeof v === 'number' && v >= 0 && v <= max ? v : malformed(path, `an unsigned integer 0..${max}`);
}

function uint64(v: CborValue, path: string): bigint {
  return (typeof v === 'number' && v >= 0) || (typeof v === 'bigint' && v >= 0n)
    ? BigInt(v)
    : malformed(path, 'an unsigned integer');
}

function messageIdOrNull(v: CborValue, path: string): Uint8Array | null {
  return v === null ? null : bytes(v, path, 32);
}

function expiration(v: CborValue, path: string): Expiration | null {
  if (v === null) return null;
  const [relative, time] = array(v, path, 2);
  if (typeof relative !== 'boolean') malformed(`${path}.relative`, 'a boolean');
  return { relative, time: uint(time!, `${path}.time`, 4) };
}

function enumName<T extends string>(values: Record<T, number>, v: number, path: string): T {
  const name = (Object.keys(values) as T[]).find((k) => values[k] === v);
  if (name === undefined) throw new ContentError('unsupported', `${path}: unknown value ${v}`);
  return name;
}

function partFromCbor(v: CborValue, path: string, depth: number): NestedPart {
  if (depth > MAX_PART_DEPTH)
    throw new ContentError('tooDeep', `${path}: parts nested more than ${MAX_PART_DEPTH} deep`);
  const a = array(v, path);
  if (a.length < 3) malformed(path, 'a NestedPart of at least 3 elements');
  const disposition = uint(a[0]!, `${path}.disposition`, 1);
  const language = text(a[1]!, `${path}.language`);
  const cardinality = enumName(Cardinalities, uint(a[2]!, `${path}.cardinality`, 8), `${path}.cardinality`);
  const expected = { nullPart: 3, single: 5, external: 15, multi: 5 }[cardinality];
  const f = array(v, path, expected);
  const header = { disposition, language };
  switch (cardinality) {
    case 'nullPart':
      return { ...header, cardinality };
    case 'single':
      return {
        ...header,
        cardinality,
        contentType: text(f[3]!, `${path}.contentType`),
        content: bytes(f[4]!, `${path}.content`),
      };
    case 'external':
      return {
        ...header,
        cardinality,
        contentType: text(f[3]!, `${path}.contentType`),
        url: text(f[4]!, `${path}.url`),
        expires: uint(f[5]!, `${path}.expires`, 4),
        size: uint64(f[6]!, `${path}.size`),
        encAlg: uint(f[7]!, `${path}.encAlg`, 2),
        key: bytes(f[8]!, `${path}.key`),
        nonce: bytes(f[9]!, `${path}.nonce`),
        aad: bytes(f[10]!, `${path}.aad`),
        hashAlg: uint(f[11]!, `${path}.hashAlg`, 1),
        contentHash: bytes(f[12]!, `${path}.contentHash`),
        description: text(f[13]!, `${path}.description`),
        filename: text(f[14]!, `${path}.filename`),
      };
    case 'multi': {
      const semantics = uint(f[3]!, `${path}.partSemantics`, 8);
      const partSemantics: PartSemantics = enumName(PartSemanticsValues, semantics, `${path}.partSemantics`);
      const parts = array(f[4]!, `${path}.parts`);
      if (parts.length < 2) malformed(`${path}.parts`, 'at least 2 parts');
      return {
        ...header,
        cardinality,
        partSemantics,
        parts: parts.map((p, i) => partFromCbor(p, `${path}.parts[${i}]`, depth + 1)),
      };
    }
  }
}

/** A message from its CBOR data model, validated against the schema. */
export function contentFromCbor(v: CborValue): MimiContent {
  const f = array(v, 'mimiContent', 7);
  return {
    salt: bytes(f[0]!, 'salt', 16),
    replaces: messageIdOrNull(f[1]!, 'replaces'),
    topicId: bytes(f[2]!, 'topicId'),
    expires: expiration(f[3]!, 'expires'),
    inReplyTo: messageIdOrNull(f[4]!, 'inReplyTo'),
    extensions: extensionsFromCbor(f[5]!),
    nestedPart: partFromCbor(f[6]!, 'nestedPart', 1),
  };
}

/**
 * Decodes and validates a MIMI content message. The input must be one deterministically encoded CBOR item that
 * matches the draft's schema exactly, with no trailing bytes, no indefinite lengths, at most 4 levels of parts and
 * of extension nesting, and at most `maxBytes` octets (1 MiB by default). Anything else throws a
 * {@link ContentError} (`malformed`, `nonDeterministic`, `tooLarge`, `tooDeep` or `unsupported`), never another
 * exception. Whatever it accepts re-encodes with {@link encodeContent} to the very same bytes.
 *
 * @example
 * const msg = decodeContent(bytes);
 * if (msg.nestedPart.cardinality === 'single') console.log(new TextDecoder().decode(msg.nestedPart.content));
 */
export function decodeContent(bytes: Uint8Array, options: DecodeOptions = {}): MimiContent {
  return decodeStrict(bytes, options, contentFromCbor, contentToCbor);
}
