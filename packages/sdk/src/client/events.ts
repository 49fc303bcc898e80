// The typed events a client emits. Senders are user addresses (`alice@a.example`); ids are message ids in hex.
import type { Attachment } from '../attachments/attachment.js';
import type { MessageStatus } from '../content/status.js';
import type { SdkError } from '../errors.js';
import type { RoomKind } from '../store/types.js';

interface InRoom {
  room: string;
  sender: string;
  /** The sending device. */
  device: string;
  seq: number;
  ts: number;
}

export type ClientEvent =
  | ({ type: 'message'; id: string; text: string; replyTo?: string; attachment?: Attachment } & InRoom)
  | ({ type: 'reaction'; id: string; target: string; reaction: string } & InRoom)
  | ({ type: 'edit'; id: string; target: string; text: string } & InRoom)
  | ({ type: 'delete'; id: string; target: string } & InRoom)
  | ({ type: 'receipt'; status: MessageStatus; messages: string[] } & InRoom)
  | ({ type: 'typing'; typing: boolean } & InRoom)
  | { type: 'membership'; room: string; seq: number; by?: string; added: string[]; removed: string[] }
  | { type: 'joined'; room: string; kind: RoomKind; members: string[]; name?: string }
  | { type: 'roomUpdated'; room: string; name?: string }
  | { type: 'error'; error: SdkError | Error; room?: string; seq?: number };

export type ClientEventType = ClientEvent['type'];
