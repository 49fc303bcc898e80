import { decodeCbor } from './cborDecode.js';
import { encodeCbor } from './cborEncode.js';
import type { CborValue } from './cborValue.js';
import { ContentError } from './errors.js';
import { DEFAULT_MAX_BYTES } from './types.js';

/** Options of the decoders. */
export interface DecodeOptions {
  /** Inputs longer than this are refused with `tooLarge` (default 1 MiB). */
  maxBytes?: number;
}

/**
 * Runs `parse` over `input` under the decoders' contract: the input must be a Uint8Array of at most `maxBytes`
 * octets, only {@link ContentError} ever escapes, and whatever is accepted re-encodes to exactly the same bytes.
 */
export function decodeStrict<T>(
  input: Uint8Array,
  options: DecodeOptions,
  parse: (v: CborValue) => T,
  reencode: (value: T) => CborValue,
): T {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(input instanceof Uint8Array)) throw new ContentError('invalid', 'input: expected a Uint8Array');
  if (input.length > maxBytes)
    throw new ContentError('tooLarge', `input of ${input.length} bytes exceeds ${maxBytes}`);
  try {
    const value = parse(decodeCbor(input));
    const again = encodeCbor(reencode(value));
    if (again.length !== input.length || again.some((b, i) => b !== input[i])) {
      throw new ContentError('nonDeterministic', 'input does not re-encode to the same bytes');
    }
    return value;
  } catch (e) {
    if (e instanceof ContentError) throw e;
    throw new ContentError('malformed', `undecodable input: ${String(e)}`, { cause: e });
  }
}
