// A room's history as a reader sees it: the message index folded in sequence order. Only a message's sender may
// edit or delete it, and only a reaction's sender may take it back; anything else is ignored, so a member cannot
// rewrite what others said.
import type { Attachment } from '../attachments/attachment.js';
import type { MessageRecord } from '../store/types.js';

export interface Reaction {
  id: string;
  sender: string;
  reaction: string;
}

/** One message of a room's history, with its edits, deletion and reactions applied. */
export interface HistoryEntry {
  id: string;
  /** 0 while this device's provider holds the message queued for the room's hub. */
  seq: number;
  ts: number;
  sender: string;
  /** The latest text; empty once deleted. */
  text: string;
  replyTo?: string;
  /** The message's file; gone once deleted. */
  attachment?: Attachment;
  edited: boolean;
  deleted: boolean;
  reactions: Reaction[];
}

/**
 * Folds message-index records (any order) into the room's visible history, oldest first (queued ones last).
 *
 * @example
 * const history = foldHistory(await store.messages(roomId));
 * for (const m of history) console.log(m.sender, m.deleted ? '(deleted)' : m.text);
 */
export function foldHistory(records: MessageRecord[]): HistoryEntry[] {
  const entries = new Map<string, HistoryEntry>();
  const reactions = new Map<string, { entry: HistoryEntry; reaction: Reaction }>();
  // Sequenced records first, in room order; this device's queued ones (seq 0) after them, in the order sent.
  const place = (r: MessageRecord) => (r.seq === 0 ? Number.MAX_SAFE_INTEGER : r.seq);
  const sorted = [...records].sort((a, b) => place(a) - place(b) || a.ts - b.ts || (a.id < b.id ? -1 : 1));
  for (const r of sorted) {
    const target = r.target === undefined ? undefined : entries.get(r.target);
    switch (r.type) {
      case 'message':
        if (!entries.has(r.id))
          entries.set(r.id, {
            id: r.id,
            seq: r.seq,
            ts: r.ts,
            sender: r.sender,
            text: r.text ?? '',
            ...(r.replyTo === undefined ? {} : { replyTo: r.replyTo }),
            ...(r.attachment === undefined ? {} : { attachment: r.attachment }),
            edited: false,
            deleted: false,
            reactions: [],
          });
        break;
      case 'edit':
        if (target && !target.deleted && target.sender === r.sender) {
          target.text = r.text ?? '';
          target.edited = true;
        }
        break;
      case 'reaction':
        if (target && !target.deleted && r.reaction !== undefined) {
          const reaction = { id: r.id, sender: r.sender, reaction: r.reaction };
          target.reactions.push(reaction);
          reactions.set(r.id, { entry: target, reaction });
        }
        break;
      case 'delete': {
        if (target && target.sender === r.sender) {
          target.deleted = true;
          target.text = '';
          delete target.attachment;
          target.reactions = [];
          break;
        }
        const taken = r.target === undefined ? undefined : reactions.get(r.target);
        if (taken && taken.reaction.sender === r.sender) {
          taken.entry.reactions = taken.entry.reactions.filter((x) => x !== taken.reaction);
        }
        break;
      }
    }
  }
  return [...entries.values()];
}
