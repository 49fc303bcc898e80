import { encodeCbor } from './cborEncode.js';
import type { CborValue } from './cborValue.js';
import { ContentError } from './errors.js';
import { extensionsToCbor } from './extensions.js';
import {
  Cardinalities,
  type Expiration,
  MAX_PART_DEPTH,
  type MimiContent,
  type NestedPart,
  PartSemanticsValues,
} from './types.js';

function invalid(path: string, what: string): never {
  throw new ContentError('invalid', `${path}: expected ${what}`);
}

export function bytes(v: unknown, path: string, size?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) invalid(path, 'a Uint8Array');
  if (size !== undefined && v.length !== size) invalid(path, `${size} bytes, got ${v.length}`);
  return v;
}

export function text(v: unknown, path: string): string {
  return typeof v === 'string' ? v : invalid(path, 'a string');
}

export function uint(v: unknown, path: string, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max
    ? v
    : invalid(path, `an integer 0..${max}`);
}

function uint64(v: unknown, path: string): bigint {
  return typeof v === 'bigint' && v >= 0n && v < 2n ** 64n ? v : invalid(path, 'a bigint 0..2^64-1');
}

function expiration(e: Expiration | null, path: string): CborValue {
  if (e === null) return null;
  if (typeof e !== 'object' || typeof e.relative !== 'boolean')
    invalid(path, 'null or { relative: boolean, time }');
  return [e.relative, uint(e.time, `${path}.time`, 0xffffffff)];
}

function partToCbor(p: NestedPart, path: string, depth: number): CborValue[] {
  if (typeof p !== 'object' || p === null) invalid(path, 'a NestedPart');
  if (depth > MAX_PART_DEPTH)
    throw new ContentError('tooDeep', `${path}: parts nested more than ${MAX_PART_DEPTH} deep`);
  const head: CborValue[] = [
    uint(p.disposition, `${path}.disposition`, 255),
    text(p.language, `${path}.language`),
  ];
  switch (p.cardinality) {
    case 'nullPart':
      return [...head, Cardinalities.nullPart];
    case 'single':
      return [
        ...head,
        Cardinalities.single,
        text(p.contentType, `${path}.contentType`),
        bytes(p.content, `${path}.content`),
      ];
    case 'external':
      return [
        ...head,
        Cardinalities.external,
        text(p.contentType, `${path}.contentType`),
        text(p.url, `${path}.url`),
        uint(p.expires, `${path}.expires`, 0xffffffff),
        uint64(p.size, `${path}.size`),
        uint(p.encAlg, `${path}.encAlg`, 0xffff),
        bytes(p.key, `${path}.key`),
        bytes(p.nonce, `${path}.nonce`),
        bytes(p.aad, `${path}.aad`),
        uint(p.hashAlg, `${path}.hashAlg`, 0xff),
        bytes(p.contentHash, `${path}.contentHash`),
        text(p.description, `${path}.description`),
        text(p.filename, `${path}.filename`),
      ];
    case 'multi': {
      const semantics = Object.hasOwn(PartSemanticsValues, p.partSemantics)
        ? PartSemanticsValues[p.partSemantics]
        : invalid(`${path}.partSemantics`, Object.keys(PartSemanticsValues).join(' | '));
      if (!Array.isArray(p.parts) || p.parts.length < 2)
        invalid(`${path}.parts`, 'an array of 2 or more parts');
      const parts = p.parts.map((child, i) => partToCbor(child, `${path}.parts[${i}]`, depth + 1));
      return [...head, Cardinalities.multi, semantics, parts];
    }
    default:
      return invalid(`${path}.cardinality`, Object.keys(Cardinalities).join(' | '));
  }
}

/** The CBOR data model of a message, validated against the schema. */
export function contentToCbor(msg: MimiContent): CborValue {
  if (typeof msg !== 'object' || msg === null) invalid('message', 'an object');
  const messageId = (v: Uint8Array | null, path: string) => (v === null ? null : bytes(v, path, 32));
  return [
    bytes(msg.salt, 'salt', 16),
    messageId(msg.replaces, 'replaces'),
    bytes(msg.topicId, 'topicId'),
    expiration(msg.expires, 'expires'),
    messageId(msg.inReplyTo, 'inReplyTo'),
    extensionsToCbor(msg.extensions),
    partToCbor(msg.nestedPart, 'nestedPart', 1),
  ];
}

/**
 * Encodes a MIMI content message in deterministic CBOR, the exact bytes its message ID is computed over. The
 * message is validated first: sizes (16-octet salt, 32-octet message IDs), integer ranges, at least two parts per
 * multipart, at most 4 levels of parts and of extension nesting. Extension map entries are sorted by their encoded
 * keys. Throws a {@link ContentError} with code `invalid` (or `tooDeep`) for a message that breaks the schema.
 *
 * @example
 * const bytes = encodeContent({
 *   salt: crypto.getRandomValues(new Uint8Array(16)),
 *   replaces: null, topicId: new Uint8Array(0), expires: null, inReplyTo: null,
 *   extensions: { senderUri: 'mimi://example.com/u/alice', roomUri: 'mimi://example.com/r/team' },
 *   nestedPart: {
 *     cardinality: 'single', disposition: Dispositions.render, language: '',
 *     contentType: 'text/plain;charset=utf-8', content: new TextEncoder().encode('hi'),
 *   },
 * });
 */
export function encodeContent(msg: MimiContent): Uint8Array {
  return encodeCbor(contentToCbor(msg));
}
