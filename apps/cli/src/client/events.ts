// How a client event is printed: the JSON line scripts read, and the human line. A message line is exactly
// {type, room, id, sender, text, seq} (plus replyTo for a reply); other events carry the fields the SDK gives.
import type { ClientEvent } from '@parley/sdk';
import type { Line } from './output.js';

/** The events `sync` prints: every client event but errors, which go to stderr as warnings. */
export type Printable = Exclude<ClientEvent, { type: 'error' }>;

export function eventLine(e: Printable): Line {
  if (e.type === 'message') {
    const { room, id, sender, text, seq, replyTo } = e;
    return { type: 'message', room, id, sender, text, seq, ...(replyTo ? { replyTo } : {}) };
  }
  return { ...e };
}

export function eventText(e: Printable): string {
  switch (e.type) {
    case 'message':
      return `${e.room} #${e.seq} ${e.sender}${e.replyTo ? ` (reply to ${e.replyTo})` : ''}: ${e.text}  [${e.id}]`;
    case 'reaction':
      return `${e.room} #${e.seq} ${e.sender} reacted ${e.reaction} to ${e.target}  [${e.id}]`;
    case 'edit':
      return `${e.room} #${e.seq} ${e.sender} edited ${e.target}: ${e.text}  [${e.id}]`;
    case 'delete':
      return `${e.room} #${e.seq} ${e.sender} deleted ${e.target}  [${e.id}]`;
    case 'receipt':
      return `${e.room} #${e.seq} ${e.sender} marked ${e.messages.join(', ')} ${e.status}`;
    case 'typing':
      return `${e.room} ${e.sender} ${e.typing ? 'is typing' : 'stopped typing'}`;
    case 'membership': {
      const changes = [
        ...(e.added.length > 0 ? [`added ${e.added.join(', ')}`] : []),
        ...(e.removed.length > 0 ? [`removed ${e.removed.join(', ')}`] : []),
      ];
      return `${e.room} #${e.seq} ${e.by ?? 'a member'} ${changes.join('; ')}`;
    }
    case 'joined':
      return `${e.room} joined ${e.kind} room${e.name ? ` "${e.name}"` : ''} with ${e.members.join(', ')}`;
    case 'roomUpdated':
      return `${e.room} is now named "${e.name ?? ''}"`;
  }
}

/** The warning an `error` event becomes. */
export function errorText(e: Extract<ClientEvent, { type: 'error' }>): string {
  const where = e.room ? `room ${e.room}${e.seq === undefined ? '' : ` #${e.seq}`}: ` : '';
  return `${where}${e.error.message}`;
}
