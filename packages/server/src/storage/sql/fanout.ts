/**
 * The hub's side of durable delivery: in the same transaction that stores a message, one outbox item per
 * provider with a member in the room before or after the message (so a removed member's provider learns of the
 * removal). Every provider gets every sequence number, so followers see no gaps; a Welcome's content goes only to
 * its device's provider (the others get its place in the sequence, without payload: see wire.ts). The item names
 * the message rather than copying it (a commit's row holds the room state after it).
 */
import type { Kysely } from 'kysely';
import type { MemberRecord, StoredMessage } from '../types.js';
import { domainOf } from './membership.js';
import type { Database } from './schema.js';

/** The members of other providers (their addresses only): what a submit's fan-out needs to know. */
export async function remoteMembers(
  trx: Kysely<Database>,
  roomId: string,
): Promise<Pick<MemberRecord, 'handle'>[]> {
  return trx
    .selectFrom('room_members')
    .select('handle')
    .where('room_id', '=', roomId)
    .where('handle', 'like', '%@%')
    .execute();
}

export async function fanOut(
  trx: Kysely<Database>,
  messages: StoredMessage[],
  audience: Pick<MemberRecord, 'handle'>[],
  at: number,
): Promise<void> {
  const domains = new Set<string>();
  for (const member of audience) {
    const domain = domainOf(member.handle);
    if (domain) domains.add(domain);
  }
  for (const message of messages) {
    const domain = message.toUser ? domainOf(message.toUser) : undefined;
    if (domain) domains.add(domain);
  }
  if (domains.size === 0) return;
  const rows = [];
  for (const message of messages) {
    for (const destination of domains) {
      rows.push({
        destination,
        kind: 'notify',
        room_id: message.room,
        seq: message.seq,
        device_id: null,
        body: null,
        created_at: at,
      });
    }
  }
  if (rows.length > 0) await trx.insertInto('outbox').values(rows).execute();
}
