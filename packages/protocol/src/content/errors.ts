/**
 * Why a MIMI content operation failed:
 * - `malformed`: the bytes are not well-formed CBOR, or do not match the MIMI content schema;
 * - `nonDeterministic`: well-formed CBOR that breaks deterministic encoding (RFC 8949 §4.2.1), which the
 *   message ID depends on: over-long integers, lengths or floats, indefinite lengths, unsorted map keys;
 * - `tooLarge`: the input exceeds the configured byte limit;
 * - `tooDeep`: nesting beyond the draft's limits (4 levels of parts, 4 levels inside extensions);
 * - `unsupported`: a value this version does not know (a new cardinality or part semantics), or no WebCrypto;
 * - `invalid`: a value handed to an encoder or to `messageId` breaks the schema.
 */
export type ContentErrorCode =
  | 'malformed'
  | 'nonDeterministic'
  | 'tooLarge'
  | 'tooDeep'
  | 'unsupported'
  | 'invalid';

/** The only error type thrown by the MIMI content codec. */
export class ContentError extends Error {
  override readonly name = 'ContentError';

  constructor(
    readonly code: ContentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
