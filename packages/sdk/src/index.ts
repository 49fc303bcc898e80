// @parley/sdk: the Parley client library. Browser-ready: nothing here imports `node:` modules; the Node-only
// parts (SQLite store, ws, node:crypto suite) are in `@parley/sdk/node`.

export {
  type Attachment,
  attachmentLocation,
  type FileInput,
  fromExternalPart,
  toExternalPart,
} from './attachments/attachment.js';
export { decryptAttachment, encryptAttachment } from './attachments/cipher.js';
export { IndexedDbStore } from './browser/indexedDbStore.js';
export type { LoginInput, SignInInput } from './client/account.js';
export { type ClientOptions, ParleyClient } from './client/client.js';
export { MAX_REPORT_REASON } from './client/consent.js';
export type { ClientEvent, ClientEventType } from './client/events.js';
export type { CreateRoomInput } from './client/rooms.js';
export type { Sent } from './client/send.js';
export type { Tuning } from './client/session.js';
export { foldHistory, type HistoryEntry, type Reaction } from './content/history.js';
export {
  fromContent,
  type Intent,
  MARKDOWN,
  ROOM_INFO,
  STATUS_REPORT,
  TYPING,
  toContent,
} from './content/mapping.js';
export {
  decodeStatusReport,
  encodeStatusReport,
  type MessageStatus,
  MessageStatuses,
  type StatusReport,
} from './content/status.js';
export { isTransient, type LocalErrorCode, SdkError } from './errors.js';
export { recordFromJson, recordToJson } from './store/json.js';
export { MemoryStore } from './store/memory.js';
export type * from './store/types.js';
export {
  type ContactRequest,
  ProviderApi,
  type Queued,
  type RequestAnswer,
  type Submitted,
} from './transport/api.js';
export type { Fetch } from './transport/http.js';
export type { WebSocketFactory, WebSocketLike } from './transport/stream.js';
