// ParleyClient: one device of one user. This file only wires the room, message and consent modules onto the
// device's lifecycle (lifecycle.ts: sign in, start, close).
import type { Attachment, FileInput } from '../attachments/attachment.js';
import { downloadAttachment, type TransferOptions, uploadAttachment } from '../attachments/transfer.js';
import { foldHistory, type HistoryEntry } from '../content/history.js';
import type { MessageStatus } from '../content/status.js';
import type { RoomRecord } from '../store/types.js';
import type { ContactRequest } from '../transport/api.js';
import { answerRequest, contactRequests, reportMessage } from './consent.js';
import { DeviceLifecycle } from './lifecycle.js';
import {
  addUsers,
  type CreateRoomInput,
  createRoom,
  leaveRoom,
  removeUsers,
  roomDevices,
  roomMembers,
} from './rooms.js';
import { type Sent, sendIntent, targetOf } from './send.js';

export type { ClientOptions } from './lifecycle.js';

/**
 * One device of a Parley user: signs in, keeps its KeyPackages on offer, creates and joins encrypted rooms,
 * sends and receives MIMI messages, and emits typed events. Everything it must remember lives in the `Store`.
 *
 * @example
 * const alice = new ParleyClient({ store: new MemoryStore(), ...(await nodeEnvironment()) });
 * await alice.register({ server: 'http://127.0.0.1:7101', handle: 'alice', password: 'correct horse' });
 * await alice.start();
 * alice.on('message', (m) => console.log(m.sender, m.text));
 * const room = await alice.createRoom({ kind: 'direct', members: ['bob@a.localhost'] });
 * await alice.send(room.id, 'hi **bob**');
 */
export class ParleyClient extends DeviceLifecycle {
  /**
   * Creates an encrypted room with these users (every device of each, and this user's other devices) in one
   * commit; a direct room has exactly one other member. Each user needs a KeyPackage on offer.
   *
   * @example
   * const room = await client.createRoom({ kind: 'group', members: ['bob@a.example', 'carol@b.example'], name: 'Ops' });
   */
  createRoom(input: CreateRoomInput): Promise<RoomRecord> {
    return createRoom(this.session, input);
  }

  /**
   * Adds users (all their devices) to a room in one commit.
   *
   * @example
   * await client.addMembers(room.id, ['dave@d.example']);
   */
  addMembers(room: string, users: string[]): Promise<void> {
    return addUsers(this.session, room, users);
  }

  /**
   * Removes users (all their devices) from a room in one commit; they read nothing sent afterwards.
   *
   * @example
   * await client.removeMembers(room.id, ['bob@b.example']);
   */
  removeMembers(room: string, users: string[]): Promise<void> {
    return removeUsers(this.session, room, users);
  }

  /**
   * Leaves a room: this user's other devices are removed, then this device asks to be removed; the next member to
   * commit carries it out. The room stops sending at once.
   *
   * @example
   * await client.leave(room.id);
   */
  leave(room: string): Promise<void> {
    return leaveRoom(this.session, room);
  }

  /**
   * The rooms this device knows, active or not.
   *
   * @example
   * for (const r of await client.rooms()) console.log(r.name ?? r.id, r.members.join(', '));
   */
  rooms(): Promise<RoomRecord[]> {
    return this.session.store.rooms();
  }

  /**
   * One room's record (kind, name, members, whether this device is still in it).
   *
   * @example
   * const active = (await client.room(roomId))?.active;
   */
  room(id: string): Promise<RoomRecord | undefined> {
    return this.session.store.room(id);
  }

  /**
   * The room's members (user addresses) as this device's MLS group has them.
   *
   * @example
   * const people = await client.members(room.id); // ['alice@a.example', 'bob@b.example']
   */
  members(room: string): Promise<string[]> {
    return roomMembers(this.session, room);
  }

  /**
   * The room's devices (MLS leaves), as this device's group has them: what a safety view lists.
   *
   * @example
   * const bobs = (await client.devices(room.id)).filter((d) => d.user === 'bob@b.example');
   */
  devices(room: string): Promise<{ user: string; deviceId: string }[]> {
    return roomDevices(this.session, room);
  }

  /**
   * The room's messages with edits, deletions and reactions applied, oldest first (see `foldHistory`).
   *
   * @example
   * for (const m of await client.history(room.id)) console.log(m.sender, m.deleted ? '(deleted)' : m.text);
   */
  async history(room: string): Promise<HistoryEntry[]> {
    return foldHistory(await this.session.store.messages(room));
  }

  /**
   * Sends Markdown text to a room; `replyTo` (a message id) makes it a reply. Resolves with the message id and
   * the room sequence number once the provider stored it.
   *
   * @example
   * const { id } = await client.send(room.id, 'release **2.0** is out');
   */
  send(room: string, text: string, options: { replyTo?: string } = {}): Promise<Sent> {
    return sendIntent(this.session, room, {
      type: 'message',
      text,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    });
  }

  /**
   * Replies to a message (by id), in its room.
   *
   * @example
   * await client.reply(messageId, 'congratulations!');
   */
  async reply(target: string, text: string): Promise<Sent> {
    const t = await targetOf(this.session, target);
    return sendIntent(this.session, t.room, { type: 'message', text, replyTo: t.id });
  }

  /**
   * Reacts to a message (by id) with an emoji or short text.
   *
   * @example
   * await client.react(messageId, '🎉');
   */
  async react(target: string, reaction: string): Promise<Sent> {
    const t = await targetOf(this.session, target);
    return sendIntent(this.session, t.room, { type: 'reaction', target: t.id, reaction });
  }

  /**
   * Takes back one of this user's reactions, by the reaction's own id.
   *
   * @example
   * const like = await client.react(messageId, '👍'); await client.unreact(like.id);
   */
  async unreact(reaction: string): Promise<Sent> {
    const t = await targetOf(this.session, reaction, true);
    return sendIntent(this.session, t.room, { type: 'delete', target: t.id, reaction: true });
  }

  /**
   * Replaces the text of one of this user's messages (`notYours` for anyone else's).
   *
   * @example
   * await client.edit(messageId, 'release **2.0.1** is out');
   */
  async edit(target: string, text: string): Promise<Sent> {
    const t = await targetOf(this.session, target, true);
    return sendIntent(this.session, t.room, {
      type: 'edit',
      target: t.id,
      text,
      ...(t.replyTo ? { replyTo: t.replyTo } : {}),
    });
  }

  /**
   * Deletes one of this user's messages for everyone (`notYours` for anyone else's).
   *
   * @example
   * await client.delete(messageId);
   */
  async delete(target: string): Promise<Sent> {
    const t = await targetOf(this.session, target, true);
    return sendIntent(this.session, t.room, { type: 'delete', target: t.id });
  }

  /**
   * Sends a file: encrypted on this device (AES-128-GCM, a fresh key), uploaded as ciphertext to this user's
   * provider, and announced in the room as a MIMI external part that carries the key and the hash; `text` goes
   * with it as a caption. `payloadTooLarge` when the provider's size limit is exceeded.
   *
   * @example
   * await client.sendFile(room.id, { data: bytes, name: 'cat.png', type: 'image/png' }, { text: 'look' });
   */
  async sendFile(
    room: string,
    file: FileInput,
    options: { text?: string; replyTo?: string } = {},
  ): Promise<Sent> {
    const attachment = await uploadAttachment(this.transfer(), file);
    return sendIntent(this.session, room, {
      type: 'message',
      text: options.text ?? '',
      attachment,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    });
  }

  /**
   * Fetches a message's file through this device's provider (which asks the uploader's), checks its hash and
   * decrypts it. `badAttachment` when it does not match.
   *
   * @example
   * const bytes = await client.fetchFile(entry.attachment);
   */
  fetchFile(attachment: Attachment): Promise<Uint8Array> {
    return downloadAttachment(this.transfer(), attachment);
  }

  private transfer(): TransferOptions {
    const { server, token } = this.session.account;
    return { server, token, fetch: this.options.fetch };
  }

  /**
   * Names a room (end to end: only members can read it); every member gets `roomUpdated`.
   *
   * @example
   * await client.rename(room.id, 'Launch crew');
   */
  async rename(room: string, name: string): Promise<void> {
    await sendIntent(this.session, room, { type: 'roomInfo', name });
  }

  /**
   * Tells the room these messages were read (or another status of the MIMI message-status format).
   *
   * @example
   * await client.markRead(room.id, [lastSeenId]);
   */
  markRead(room: string, messages: string[], status: MessageStatus = 'read'): Promise<Sent> {
    return sendIntent(this.session, room, { type: 'receipt', status, messages, timestamp: Date.now() });
  }

  /**
   * Tells the room this user is typing (or stopped). Nobody stores it.
   *
   * @example
   * await client.setTyping(room.id, true);
   */
  setTyping(room: string, typing: boolean): Promise<Sent> {
    return sendIntent(this.session, room, { type: 'typing', typing });
  }

  /**
   * First contacts from users of other providers that wait for this user's answer. Their rooms are not among
   * `rooms()` and their messages are not delivered until accepted.
   *
   * @example
   * for (const r of await client.requests()) console.log(r.from, r.rooms.map((room) => room.kind));
   */
  requests(): Promise<ContactRequest[]> {
    return contactRequests(this.session);
  }

  /**
   * Accepts a user's request: their rooms become this user's, and arrive (Welcome first, then the history)
   * through the stream or the next `sync()`. Resolves with the user's canonical address.
   *
   * @example
   * await client.accept('alice@a.example');
   */
  accept(user: string): Promise<string> {
    return answerRequest(this.session, 'accept', user);
  }

  /**
   * Declines a user's request: their pending rooms are dropped for this user. The sender is never told.
   *
   * @example
   * await client.decline('mallory@m.example');
   */
  decline(user: string): Promise<string> {
    return answerRequest(this.session, 'decline', user);
  }

  /**
   * Blocks a user, with or without a pending request: like `decline`, and whatever they send to this user from
   * now on is dropped by this user's provider.
   *
   * @example
   * await client.block('mallory@m.example');
   */
  block(user: string): Promise<string> {
    return answerRequest(this.session, 'block', user);
  }

  /**
   * Reports a message (by id, as this device indexed it) to the provider, which forwards the report to the room's
   * hub; `reason` is up to 1000 characters. Resolves with the room and sequence number reported.
   *
   * @example
   * await client.report(messageId, 'unsolicited advertising');
   */
  report(message: string, reason?: string): Promise<{ room: string; seq: number }> {
    return reportMessage(this.session, message, reason);
  }
}
