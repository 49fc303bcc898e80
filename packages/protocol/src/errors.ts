/**
 * The stable error codes of the client API. Every error a client sees is
 * `{ "error": { "code": ErrorCode, "message": string } }` with the HTTP status listed here.
 */
export const ERROR_STATUS = {
  badRequest: 400,
  invalidRequest: 400,
  handleTooShort: 400,
  handleTooLong: 400,
  handleInvalidCharacters: 400,
  handleReserved: 400,
  passwordTooShort: 400,
  passwordTooLong: 400,
  unauthenticated: 401,
  badCredentials: 401,
  forbidden: 403,
  notMember: 403,
  notFound: 404,
  noSuchRoom: 404,
  noSuchUser: 404,
  noSuchDevice: 404,
  methodNotAllowed: 405,
  handleTaken: 409,
  /** A commit or proposal for an epoch the room has left: process the newer commits, then try again. */
  staleEpoch: 409,
  badHandshake: 400,
  identityKeyConflict: 409,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  tooManyRequests: 429,
  internal: 500,
  /** Another provider refused what this one relayed for the device, in a way the device cannot fix. */
  badGateway: 502,
  unavailable: 503,
  /** The provider of the room's hub or of the user asked about does not answer now: try again later. */
  peerUnavailable: 503,
  /** Server-to-server (federation) refusals: the request's signature or its sender cannot be trusted. */
  badSignature: 401,
  expired: 401,
  replayed: 401,
  unknownKey: 401,
  unknownPeer: 401,
  badDigest: 401,
  /** A sender URI in a federation request names a domain other than the signing provider's. */
  foreignSender: 401,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface WireError {
  error: { code: ErrorCode; message: string };
}
