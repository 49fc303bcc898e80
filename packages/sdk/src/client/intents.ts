// How an intent (content/mapping.ts) enters the message index and which event it makes: the same for what this
// device sends and what it receives, so every device of a room folds the same history.
import type { Intent } from '../content/mapping.js';
import type { MessageRecord, RoomRecord } from '../store/types.js';
import type { ClientEvent } from './events.js';

export interface Meta {
  id: string;
  room: string;
  seq: number;
  ts: number;
  sender: string;
  device: string;
}

/** The message-index entry of an intent; receipts, typing and room info are not indexed. */
export function indexEntry(intent: Intent, meta: Meta): MessageRecord | undefined {
  const base = {
    id: meta.id,
    room: meta.room,
    seq: meta.seq,
    ts: meta.ts,
    sender: meta.sender,
    device: meta.device,
  };
  switch (intent.type) {
    case 'message':
      return {
        ...base,
        type: 'message',
        text: intent.text,
        ...(intent.replyTo ? { replyTo: intent.replyTo } : {}),
        ...(intent.attachment ? { attachment: intent.attachment } : {}),
      };
    case 'reaction':
      return { ...base, type: 'reaction', target: intent.target, reaction: intent.reaction };
    case 'edit':
      return { ...base, type: 'edit', target: intent.target, text: intent.text };
    case 'delete':
      return { ...base, type: 'delete', target: intent.target };
    default:
      return undefined;
  }
}

/** The event an intent makes. */
export function eventOf(intent: Intent, meta: Meta): ClientEvent {
  const { id, room, seq, ts, sender, device } = meta;
  const at = { room, seq, ts, sender, device };
  switch (intent.type) {
    case 'message':
      return {
        type: 'message',
        id,
        ...at,
        text: intent.text,
        ...(intent.replyTo ? { replyTo: intent.replyTo } : {}),
        ...(intent.attachment ? { attachment: intent.attachment } : {}),
      };
    case 'reaction':
      return { type: 'reaction', id, ...at, target: intent.target, reaction: intent.reaction };
    case 'edit':
      return { type: 'edit', id, ...at, target: intent.target, text: intent.text };
    case 'delete':
      return { type: 'delete', id, ...at, target: intent.target };
    case 'receipt':
      return { type: 'receipt', ...at, status: intent.status, messages: intent.messages };
    case 'typing':
      return { type: 'typing', ...at, typing: intent.typing };
    case 'roomInfo':
      return { type: 'roomUpdated', room, name: intent.name };
  }
}

/** The room record after an intent (only room info changes it). */
export function roomAfter(intent: Intent, record: RoomRecord): RoomRecord | undefined {
  return intent.type === 'roomInfo' ? { ...record, name: intent.name } : undefined;
}
