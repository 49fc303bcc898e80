import {
  CodecError,
  CryptoVerificationError,
  DependencyError,
  CryptoError as MlsCryptoError,
  UsageError,
  ValidationError,
} from 'ts-mls/mlsError.js';

/** Stable codes of every failure the crypto package reports. */
export type CryptoErrorCode =
  /** Bytes that do not decode as the expected MLS structure (or are too large). */
  | 'malformed'
  /** A well-formed message of the wrong kind here (a Welcome where a commit was expected, another group). */
  | 'unexpectedMessage'
  /** A credential our authentication service does not accept. */
  | 'credentialRejected'
  /** A signature, MAC, membership tag or confirmation tag that does not verify. */
  | 'verificationFailed'
  /** A ciphertext this state has no key for, or that fails to decrypt. */
  | 'decryptionFailed'
  /** A message that breaks an MLS rule (stale epoch, bad proposal list, invalid tree...). */
  | 'invalid'
  /** This member was removed or the group is suspended: it can no longer send. */
  | 'notMember'
  /** The caller used the API wrongly (unsupported cipher suite, unknown leaf...). */
  | 'usage'
  /** Anything else from inside the MLS library: reported, never thrown raw. */
  | 'internal';

/**
 * The only error the crypto package throws. `code` is stable and safe to show or log; `message` is a
 * human explanation that never contains key material or plaintext.
 *
 * @example
 * try { await processMessage(ctx, state, bytes); }
 * catch (e) { if (e instanceof CryptoError && e.code === 'credentialRejected') dropSender(); else throw e; }
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Turns whatever ts-mls (or a decoder inside it) threw into a CryptoError, keeping ours as they are. */
export function toCryptoError(e: unknown): CryptoError {
  if (e instanceof CryptoError) return e;
  const text = e instanceof Error ? e.message : String(e);
  if (e instanceof CodecError) return new CryptoError('malformed', text, { cause: e });
  if (e instanceof CryptoVerificationError) return new CryptoError('verificationFailed', text, { cause: e });
  if (e instanceof MlsCryptoError) return new CryptoError('decryptionFailed', text, { cause: e });
  if (e instanceof ValidationError) return new CryptoError('invalid', text, { cause: e });
  if (e instanceof UsageError) {
    const removed = /removed from group|suspended/i.test(text);
    return new CryptoError(removed ? 'notMember' : 'usage', text, { cause: e });
  }
  if (e instanceof DependencyError) return new CryptoError('usage', text, { cause: e });
  return new CryptoError('internal', text, { cause: e });
}

/** Runs an MLS operation and reports any failure as a CryptoError. */
export async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw toCryptoError(e);
  }
}
