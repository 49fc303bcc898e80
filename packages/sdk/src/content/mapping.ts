// What the SDK sends, as MIMI content (draft-ietf-mimi-content-08), and back. Pure functions: no keys, no I/O.
//
//   message   single part, render, text/markdown;variant=GFM; `inReplyTo` for a reply. With an attachment: the
//             external part alone (disposition attachment), or a processAll multipart [text, external part]
//   reaction  single part, disposition reaction, text/plain;charset=utf-8, `inReplyTo` = the message
//   edit      `replaces` = the message, single part with the new text (`inReplyTo` kept from the original)
//   delete    `replaces` = the message, null part (disposition reaction when it takes back a reaction)
//   receipt   single part application/mimi-message-status (see status.ts)
//   typing    single part application/vnd.parley.typing, one octet: 1 typing, 0 stopped; never stored
//   roomInfo  single part application/vnd.parley.room+json {"name": …}: the room's name, end to end
import { Dispositions, type MimiContent, type NestedPart, type SinglePart } from '@parley/protocol';
import { type Attachment, fromExternalPart, toExternalPart } from '../attachments/attachment.js';
import { fromHex, fromUtf8, randomBytes, toHex, utf8 } from '../util/bytes.js';
import { decodeStatusReport, encodeStatusReport, type MessageStatus } from './status.js';

export const MARKDOWN = 'text/markdown;variant=GFM';
export const PLAIN_TEXT = 'text/plain;charset=utf-8';
export const STATUS_REPORT = 'application/mimi-message-status';
export const TYPING = 'application/vnd.parley.typing';
export const ROOM_INFO = 'application/vnd.parley.room+json';

/** One thing a member says or does in a room; message ids are hex strings. */
export type Intent =
  | { type: 'message'; text: string; replyTo?: string; attachment?: Attachment }
  | { type: 'reaction'; target: string; reaction: string }
  | { type: 'edit'; target: string; text: string; replyTo?: string }
  | { type: 'delete'; target: string; reaction?: boolean }
  | { type: 'receipt'; status: MessageStatus; messages: string[]; timestamp: number }
  | { type: 'typing'; typing: boolean }
  | { type: 'roomInfo'; name: string };

const single = (
  contentType: string,
  content: Uint8Array,
  disposition: number = Dispositions.render,
): SinglePart => ({
  cardinality: 'single',
  disposition,
  language: '',
  contentType,
  content,
});

const nullPart = (disposition: number): NestedPart => ({
  cardinality: 'nullPart',
  disposition,
  language: '',
});

function messagePart(text: string, attachment: Attachment | undefined): NestedPart {
  if (!attachment) return single(MARKDOWN, utf8(text));
  const file = toExternalPart(attachment, Dispositions.attachment);
  if (text === '') return file;
  return {
    cardinality: 'multi',
    disposition: Dispositions.render,
    language: '',
    partSemantics: 'processAll',
    parts: [single(MARKDOWN, utf8(text)), file],
  };
}

/** The first attachment of a body this client can open, if any. */
function attachmentOf(part: NestedPart): Attachment | undefined {
  if (part.cardinality === 'external') return fromExternalPart(part);
  if (part.cardinality === 'multi') {
    for (const p of part.parts) {
      const found = attachmentOf(p);
      if (found) return found;
    }
  }
  return undefined;
}

function body(intent: Intent): { part: NestedPart; replaces?: string; inReplyTo?: string } {
  switch (intent.type) {
    case 'message':
      return {
        part: messagePart(intent.text, intent.attachment),
        ...(intent.replyTo ? { inReplyTo: intent.replyTo } : {}),
      };
    case 'reaction':
      return {
        part: single(PLAIN_TEXT, utf8(intent.reaction), Dispositions.reaction),
        inReplyTo: intent.target,
      };
    case 'edit':
      return {
        part: single(MARKDOWN, utf8(intent.text)),
        replaces: intent.target,
        ...(intent.replyTo ? { inReplyTo: intent.replyTo } : {}),
      };
    case 'delete':
      return {
        part: nullPart(intent.reaction ? Dispositions.reaction : Dispositions.render),
        replaces: intent.target,
      };
    case 'receipt': {
      const statuses = intent.messages.map((id) => ({ messageId: fromHex(id), status: intent.status }));
      const report = encodeStatusReport({ timestamp: intent.timestamp, statuses });
      return { part: single(STATUS_REPORT, report, Dispositions.unspecified) };
    }
    case 'typing':
      return { part: single(TYPING, new Uint8Array([intent.typing ? 1 : 0]), Dispositions.unspecified) };
    case 'roomInfo':
      return {
        part: single(ROOM_INFO, utf8(JSON.stringify({ name: intent.name })), Dispositions.unspecified),
      };
  }
}

/**
 * Builds the MIMI content message for an intent, sent by `senderUri` in `roomUri` (both go into the extensions,
 * as the draft's examples do). The salt is fresh randomness unless given.
 *
 * @example
 * const content = toContent({ type: 'message', text: 'hi **bob**' }, {
 *   senderUri: 'mimi://a.example/u/alice', roomUri: 'mimi://a.example/r/abcdefghijkl',
 * });
 * const bytes = encodeContent(content);
 */
export function toContent(
  intent: Intent,
  names: { senderUri: string; roomUri: string; salt?: Uint8Array },
): MimiContent {
  const { part, replaces, inReplyTo } = body(intent);
  return {
    salt: names.salt ?? randomBytes(16),
    replaces: replaces === undefined ? null : fromHex(replaces),
    topicId: new Uint8Array(0),
    expires: null,
    inReplyTo: inReplyTo === undefined ? null : fromHex(inReplyTo),
    extensions: { senderUri: names.senderUri, roomUri: names.roomUri },
    nestedPart: part,
  };
}

const baseType = (contentType: string) => contentType.split(';')[0]?.trim().toLowerCase() ?? '';
const isText = (contentType: string) => ['text/markdown', 'text/plain'].includes(baseType(contentType));

/** The text of a body: a text part, or the first text part of a multipart (a "choose one" alternative). */
function textOf(part: NestedPart): string | undefined {
  if (part.cardinality === 'single') return isText(part.contentType) ? fromUtf8(part.content) : undefined;
  if (part.cardinality === 'multi') {
    for (const p of part.parts) {
      const text = textOf(p);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

function special(part: SinglePart): Intent | undefined {
  const type = baseType(part.contentType);
  if (type === STATUS_REPORT) {
    const report = decodeStatusReport(part.content);
    const first = report?.statuses[0];
    if (!report || !first) return undefined;
    return {
      type: 'receipt',
      status: first.status,
      messages: report.statuses.filter((s) => s.status === first.status).map((s) => toHex(s.messageId)),
      timestamp: report.timestamp,
    };
  }
  if (type === TYPING) return { type: 'typing', typing: part.content[0] === 1 };
  if (type === ROOM_INFO) {
    try {
      const name = (JSON.parse(fromUtf8(part.content)) as { name?: unknown }).name;
      return typeof name === 'string' ? { type: 'roomInfo', name: name.slice(0, 200) } : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Reads a received MIMI content message as an intent, or undefined for content this client does not show (an
 * unknown content type, an attachment it cannot open). The inverse of {@link toContent}.
 *
 * @example
 * const intent = fromContent(decodeContent(plaintext));
 * if (intent?.type === 'message') console.log(intent.text);
 */
export function fromContent(content: MimiContent): Intent | undefined {
  const part = content.nestedPart;
  const replaces = content.replaces && toHex(content.replaces);
  const inReplyTo = content.inReplyTo && toHex(content.inReplyTo);
  if (replaces) {
    if (part.cardinality === 'nullPart') {
      return part.disposition === Dispositions.reaction
        ? { type: 'delete', target: replaces, reaction: true }
        : { type: 'delete', target: replaces };
    }
    const text = textOf(part);
    if (text === undefined) return undefined;
    return { type: 'edit', target: replaces, text, ...(inReplyTo ? { replyTo: inReplyTo } : {}) };
  }
  if (part.cardinality === 'single' && !isText(part.contentType)) return special(part);
  if (part.disposition === Dispositions.reaction) {
    const reaction = textOf(part);
    return inReplyTo && reaction !== undefined
      ? { type: 'reaction', target: inReplyTo, reaction }
      : undefined;
  }
  const text = textOf(part);
  const attachment = attachmentOf(part);
  if (text === undefined && !attachment) return undefined;
  return {
    type: 'message',
    text: text ?? '',
    ...(inReplyTo ? { replyTo: inReplyTo } : {}),
    ...(attachment ? { attachment } : {}),
  };
}
