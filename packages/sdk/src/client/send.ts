// The send path: an intent becomes MIMI content, is encrypted for the room's group and submitted. The group state
// after encryption is stored before the ciphertext leaves the device (a state rolled back after sending would
// reuse a ratchet key); a lost answer is retried with the same `clientId`, which the provider deduplicates.
import { commitPending, encryptApplication } from '@parley/crypto';
import { encodeContent, messageId } from '@parley/protocol';
import { type Intent, toContent } from '../content/mapping.js';
import { isTransient, SdkError } from '../errors.js';
import { newClientId, sha256, toHex, wipe } from '../util/bytes.js';
import { sleep } from '../util/mutex.js';
import { commitToRoom } from './commit.js';
import { eventOf, indexEntry, roomAfter } from './intents.js';
import { hasPendingProposals } from './membership.js';
import { persist, requireGroup, type Session } from './session.js';

/**
 * What a send resolves with: the MIMI message id (hex) and, once the room's hub has stored the message, its
 * sequence number and time. When the hub is another provider that has not answered, the device's own provider
 * keeps the message queued (`queued: true`, no `seq` yet); it still reaches the room, and the message index gets
 * its `seq` when it comes back through the stream.
 */
export type Sent =
  | { id: string; queued: false; seq: number; ts: number }
  | { id: string; queued: true; seq?: undefined; ts?: undefined };

/** How long a stream submit may go unanswered before the message is submitted over HTTP instead. */
const STREAM_ANSWER_MS = 10_000;

/** The hub's domain in a room URI (`mimi://HUB/r/ID`). */
const hubOf = (uri: string) => /^mimi:\/\/([^/]+)\//.exec(uri)?.[1];

/**
 * Over the device's stream when its provider is the room's hub and the stream is open: no HTTP request per
 * message, and the answer can stand in for the message's echo (see the Stream's `onOwnMessage`). Whatever the
 * stream cannot do — another provider's room, a stream down or closing, an answer too slow — goes over HTTP with
 * the same clientId, which the hub deduplicates: a message is stored once however it got there.
 */
async function submit(s: Session, room: string, uri: string, payload: Uint8Array) {
  const clientId = newClientId();
  const stream = s.stream;
  if (stream?.open && hubOf(uri) === s.me.domain) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SdkError('network', 'no answer on the stream')), STREAM_ANSWER_MS);
    });
    try {
      const answer = await Promise.race([stream.submit(room, payload, clientId), late]);
      return { queued: false as const, seq: answer.seq, ts: answer.ts };
    } catch (error) {
      if (!isTransient(error) && !(error instanceof SdkError && error.code === 'forbidden')) throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await s.api.submitMessage(room, payload, clientId);
    } catch (error) {
      if (!isTransient(error) || attempt >= 4) throw error;
      await sleep(200 * 2 ** attempt);
    }
  }
}

/**
 * Commits the room's pending proposals (a member's request to leave, say) when there are any: MLS lets no one
 * send while proposals wait. Conflicts are settled like every commit, by catching up and rebuilding.
 *
 * @example
 * await settleProposals(session, roomId);
 */
export async function settleProposals(s: Session, room: string): Promise<void> {
  await commitToRoom(s, room, async (state) =>
    hasPendingProposals(state) ? commitPending(s.ctx, state) : undefined,
  );
}

/**
 * Sends one intent to a room and returns its message id and sequence number (none while queued, see
 * {@link Sent}). Indexed intents (messages, reactions, edits, deletes) are stored and emitted as events here too,
 * as they are on every other device; an event of a queued message has `seq` 0.
 *
 * @example
 * const { id } = await sendIntent(session, roomId, { type: 'message', text: 'hello' });
 */
export async function sendIntent(s: Session, room: string, intent: Intent): Promise<Sent> {
  for (let tries = 0; ; tries++) {
    const known = await s.store.room(room);
    if (!known?.active || known.leaving)
      throw new SdkError('notInRoom', `this device is not in room ${room}`);
    await settleProposals(s, room);
    const sent = await s.locks.run(room, async () => {
      const record = await s.store.room(room);
      if (!record?.active) throw new SdkError('notInRoom', `this device is not in room ${room}`);
      const state = await requireGroup(s, room);
      if (hasPendingProposals(state)) return undefined; // a proposal arrived meanwhile
      const encoded = encodeContent(toContent(intent, { senderUri: s.me.uri, roomUri: record.uri }));
      const id = toHex(await messageId(s.me.uri, record.uri, encoded));
      const out = await encryptApplication(s.ctx, state, encoded);
      await persist(s, {}, [[room, out.state]]);
      wipe(out.wipe);
      const accepted = await submit(s, room, record.uri, out.message);
      // A queued message has no place in the room yet: it is indexed with seq 0 and this device's time, and
      // marked with the digest its echo will be recognised by (see `onOwnEcho`).
      const placed = accepted.queued ? { seq: 0, ts: Date.now() } : { seq: accepted.seq, ts: accepted.ts };
      const meta = { id, room, ...placed, sender: s.me.address, device: s.me.deviceId };
      const indexed = indexEntry(intent, meta);
      const entry =
        indexed && accepted.queued ? { ...indexed, queued: toHex(await sha256(out.message)) } : indexed;
      const after = roomAfter(intent, record);
      if (entry || after)
        await s.store.write({
          ...(entry ? { messages: [entry] } : {}),
          ...(after ? { rooms: [after] } : {}),
        });
      if (intent.type !== 'typing' && intent.type !== 'receipt') s.events.emit(eventOf(intent, meta));
      const result: Sent = accepted.queued
        ? { id, queued: true }
        : { id, queued: false, seq: accepted.seq, ts: accepted.ts };
      return result;
    });
    if (sent) return sent;
    if (tries >= 3) throw new SdkError('commitConflict', `room ${room}: proposals keep arriving`);
  }
}

/** The indexed message `id`, checked to be this device's user's own when `mine` is asked for. */
export async function targetOf(s: Session, id: string, mine = false) {
  const target = await s.store.message(id.toLowerCase());
  if (!target) throw new SdkError('unknownMessage', `no message ${id} in this device's index`);
  if (mine && target.sender !== s.me.address)
    throw new SdkError('notYours', 'only the sender of a message may edit or delete it');
  return target;
}
