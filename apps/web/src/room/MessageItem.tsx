// One message: who and when, the reply it answers, its text (Markdown, safely), its file, its reactions, whether
// it was sent and read, and what can be done with it.
import type { HistoryEntry } from '@parley/sdk';
import { Avatar } from '../ui/Avatar.js';
import { Markdown } from '../ui/markdown.js';
import { fullTime, shortTime } from '../ui/time.js';
import { AttachmentView } from './AttachmentView.js';
import { MessageActions } from './MessageActions.js';
import { Reactions } from './Reactions.js';

export type Status = 'sending' | 'sent' | 'read';

const STATUS_TEXT: Record<Status, string> = { sending: 'Sending…', sent: 'Sent', read: 'Read' };

export function MessageItem(props: {
  room: string;
  entry: HistoryEntry;
  mine: boolean;
  me: string;
  status: Status;
  quoted?: HistoryEntry | undefined;
  onReply: (id: string) => void;
  onEdit: (id: string, text: string) => void;
}) {
  const m = props.entry;
  return (
    <li class={`message${props.mine ? ' mine' : ''}${m.deleted ? ' deleted' : ''}`} data-id={m.id}>
      {props.mine ? null : <Avatar user={m.sender} />}
      <div class="message-body">
        <div class="bubble">
          <div class="message-meta small">
            <span class="sender">{props.mine ? 'You' : m.sender}</span>
            <time dateTime={new Date(m.ts).toISOString()} title={fullTime(m.ts)} class="muted">
              {shortTime(m.ts)}
            </time>
            {m.edited && !m.deleted ? <span class="muted">(edited)</span> : null}
          </div>
          {props.quoted ? (
            <blockquote class="quoted small">
              <span class="sender">{props.quoted.sender === props.me ? 'You' : props.quoted.sender}</span>
              <span class="muted">
                {' '}
                {props.quoted.deleted ? 'Deleted message' : props.quoted.text.slice(0, 120) || 'File'}
              </span>
            </blockquote>
          ) : null}
          {m.deleted ? (
            <p class="muted deleted-text">This message was deleted.</p>
          ) : (
            <>
              {m.text ? <Markdown text={m.text} /> : null}
              {m.attachment ? <AttachmentView attachment={m.attachment} /> : null}
            </>
          )}
          <Reactions room={props.room} entry={m} me={props.me} />
          {props.mine ? (
            <span class={`status small status-${props.status}`}>{STATUS_TEXT[props.status]}</span>
          ) : null}
        </div>
        {m.deleted ? null : (
          <MessageActions
            room={props.room}
            entry={m}
            mine={props.mine}
            onReply={props.onReply}
            onEdit={props.onEdit}
          />
        )}
      </div>
    </li>
  );
}
