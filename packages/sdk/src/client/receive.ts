// The receive path: room messages from the stream, from `sync` and from catch-up reads all end here. Per room they
// are processed in sequence order under the room's lock; each one's effects and the new position are stored in
// one transaction before its events are emitted and it is acknowledged. A message that cannot be processed for
// good (a forgery, garbage, an epoch long gone) is reported as an `error` event and passed over; one that failed
// for a passing reason (the provider unreachable) stops the room until a retry.
import type { MessageView } from '@parley/protocol';
import { isTransient } from '../errors.js';
import { fromBase64, wipe } from '../util/bytes.js';
import { nothing, type Outcome, onGroupMessage, onOwnEcho, onWelcome } from './apply.js';
import { loadGroup, persist, type Session } from './session.js';

/** Whether a failure may go away by itself: a transient transport error, possibly inside a CryptoError. */
function passing(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isTransient(e)) return true;
  }
  return false;
}

async function handle(s: Session, m: MessageView): Promise<Outcome> {
  const payload = fromBase64(m.payload);
  const state = await loadGroup(s, m.room);
  const record = await s.store.room(m.room);
  if (m.kind === 'welcome') return onWelcome(s, m, payload, state, record);
  if (m.sender === s.me.address && m.device === s.me.deviceId) return onOwnEcho(s, m, payload);
  // Not (yet) in the group: what was sent before this device joined is not for it.
  if (!state || !record?.active) return nothing();
  return onGroupMessage(s, m, payload, state, record);
}

async function processRoom(s: Session, room: string, messages: MessageView[]): Promise<void> {
  for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
    if (s.closed) return;
    if (m.seq <= (s.positions.get(room) ?? 0)) continue;
    let outcome: Outcome;
    try {
      outcome = await handle(s, m);
    } catch (error) {
      if (passing(error)) {
        s.followUp({ type: 'retryRoom', room });
        return;
      }
      outcome = nothing();
      outcome.events.push({
        type: 'error',
        room,
        seq: m.seq,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
    await persist(s, { ...outcome.batch, positions: [{ room, seq: m.seq }] }, outcome.states);
    wipe(outcome.wipe);
    for (const event of outcome.events) s.events.emit(event);
    for (const work of outcome.followUps) s.followUp(work);
    s.ack(room, m.seq);
  }
}

/**
 * Processes room messages from any source. Rooms run side by side; within a room, in sequence order, each
 * message once (anything at or below the stored position is skipped).
 *
 * @example
 * const page = await session.api.sync(Object.fromEntries(session.positions));
 * await ingest(session, page.messages);
 */
export async function ingest(s: Session, messages: MessageView[]): Promise<void> {
  const byRoom = new Map<string, MessageView[]>();
  for (const m of messages) {
    const list = byRoom.get(m.room);
    if (list) list.push(m);
    else byRoom.set(m.room, [m]);
  }
  await Promise.all([...byRoom].map(([room, list]) => s.locks.run(room, () => processRoom(s, room, list))));
}

/**
 * Reads and processes everything past this device's position in one room (used before retrying a commit that
 * lost its epoch). The caller must not hold the room's lock.
 *
 * @example
 * await catchUpRoom(session, roomId);
 */
export async function catchUpRoom(s: Session, room: string): Promise<void> {
  for (;;) {
    const from = s.positions.get(room) ?? 0;
    const page = await s.api.messages(room, from);
    await ingest(s, page.messages);
    // No progress means a message is waiting for a retry: stop rather than spin.
    if (!page.more || (s.positions.get(room) ?? 0) === from) return;
  }
}

/**
 * Catches up on every room over HTTP (`POST /v1/sync`) from the stored positions, page by page.
 *
 * @example
 * await syncAll(session);
 */
export async function syncAll(s: Session): Promise<void> {
  for (;;) {
    const before = JSON.stringify([...s.positions]);
    const page = await s.api.sync(Object.fromEntries(s.positions));
    await ingest(s, page.messages);
    if (!page.more || JSON.stringify([...s.positions]) === before) return;
  }
}
