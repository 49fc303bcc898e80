// The one error class of the SDK. Server answers keep the provider's stable `code` (see
// packages/protocol/src/errors.ts); failures found on the device have codes of their own, listed here.

/** Codes raised by the SDK itself, beside the server's error codes. */
export type LocalErrorCode =
  /** The provider could not be reached, or the connection broke before an answer. */
  | 'network'
  /** The provider answered something that is not the documented shape. */
  | 'badResponse'
  /** No account in the store: register or log in first. */
  | 'notSignedIn'
  /** This user has an identity key already; pass the exported identity key to sign in a new device. */
  | 'identityKeyRequired'
  /** A user to add has no device with a KeyPackage on offer. */
  | 'noKeyPackages'
  /** A KeyPackage handed out for a user is not certified for that user. */
  | 'badKeyPackage'
  /** This device has no (active) group for the room. */
  | 'notInRoom'
  /** A message id the store does not know. */
  | 'unknownMessage'
  /** A received message was dropped: its MLS sender, the provider's word and the content disagree. */
  | 'rejectedMessage'
  /** Only the sender of a message may edit or delete it. */
  | 'notYours'
  /** A commit kept losing the race for its epoch. */
  | 'commitConflict'
  /** The client was closed. */
  | 'closed';

/**
 * Every failure the SDK reports. `code` is the provider's error code for server answers (`staleEpoch`,
 * `noSuchUser`, `badCredentials`, …) or a {@link LocalErrorCode}; `status` is the HTTP status when there was one.
 *
 * @example
 * try { await client.createRoom({ kind: 'direct', members: ['bob@a.example'] }); }
 * catch (e) { if (e instanceof SdkError && e.code === 'noKeyPackages') console.log('bob has no device yet'); }
 */
export class SdkError extends Error {
  override readonly name = 'SdkError';
  constructor(
    readonly code: LocalErrorCode | (string & {}),
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * True for a failure worth retrying unchanged: no answer, or the provider was briefly unavailable.
 *
 * @example
 * catch (e) { if (isTransient(e)) setTimeout(retry, 1000); else throw e; }
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof SdkError &&
    (error.code === 'network' || error.status === 503 || error.status === 502 || error.status === 504)
  );
}
