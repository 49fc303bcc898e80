// @parley/federation: what two providers need to trust each other's HTTP messages and to keep delivering.
// Specs followed: RFC 9421 (HTTP Message Signatures, Ed25519 only), RFC 9530 (Content-Digest, sha-256/512),
// RFC 8941 (the structured-field subset those use), RFC 8037 and RFC 7638 (OKP JWKs and their thumbprints).
export { type BaseResult, type ComponentId, componentId, type SignedMessage, signatureBase } from './base.js';
export { contentDigest, type DigestAlgorithm, type DigestCheck, verifyContentDigest } from './digest.js';
export {
  type Ed25519KeyPair,
  exportPrivateJwk,
  exportPublicJwk,
  generateSigningKey,
  importPrivateJwk,
  importPublicJwk,
  keyId,
  type OkpPrivateJwk,
  type OkpPublicJwk,
} from './keys.js';
export {
  type Body,
  type HeadersInput,
  type RequestMessage,
  type ResponseMessage,
  requestView,
  responseView,
} from './message.js';
export { ReplayCache, type ReplayCacheOptions } from './replay.js';
export {
  backoffCeiling,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type DeliveryFailure,
  FIVE_DAYS_MS,
  parseRetryAfter,
  type RetryDecision,
  type RetryOptions,
  retryDelay,
} from './retry.js';
export {
  type RelatedRequest,
  type SignatureHeaders,
  type SignOptions,
  signRequest,
  signResponse,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
  verifyRequest,
  verifyResponse,
} from './signature.js';
export {
  type BareItem,
  type Dictionary,
  type InnerList,
  type Item,
  LIMITS,
  type Member,
  type Parameters,
  type Parsed,
  type ParseFailure,
  parseDictionary,
  parseItem,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  Token,
} from './structured.js';
