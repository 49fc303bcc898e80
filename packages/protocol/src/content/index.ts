export { CborFloat, type CborMap, CborSimple, CborTag, type CborValue } from './cborValue.js';
export { decodeContent } from './decode.js';
export {
  decodeDerivedValues,
  EXTENDED_TIME_TAG,
  encodeDerivedValues,
  type MessageDerivedValues,
  type Timestamp,
} from './derived.js';
export { encodeContent } from './encode.js';
export { ContentError, type ContentErrorCode } from './errors.js';
export { HASH_ALG_SHA256, messageId } from './messageId.js';
export { type IndexedPart, listParts, resolveCid } from './parts.js';
export type { DecodeOptions } from './strict.js';
export * from './types.js';
