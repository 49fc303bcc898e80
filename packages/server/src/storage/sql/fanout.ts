/**
 * The hub's side of durable delivery: in the same transaction that stores messages, one outbox item per
 * provider with a member in the room before or after them (so a removed member's provider learns of the
 * removal), naming the run of messages the transaction stored in the room. Every provider gets every sequence
 * number, so followers see no gaps; a Welcome's content goes only to its device's provider (the others get its
 * place in the sequence, without payload: see wire.ts). The item names the messages rather than copying them (a
 * commit's row holds the room state after it).
 */
import type { Kysely } from 'kysely';
import type { MemberRecord, StoredMessage } from '../types.js';
import { domainOf, type Flavor } from './membership.js';
import { insertRows, type Value } from './rows.js';
import type { Database } from './schema.js';
import { Statement } from './statement.js';

const REMOTE_MEMBERS = new Statement<{ handle: string }>(
  `select "handle" from "room_members" where "room_id" = ? and "handle" like '%@%'`,
);

/** The members of other providers (their addresses only): what a submit's fan-out needs to know. */
export function remoteMembers(
  trx: Kysely<Database>,
  flavor: Flavor,
  roomId: string,
): Promise<Pick<MemberRecord, 'handle'>[]> {
  return REMOTE_MEMBERS.all(trx, flavor, [roomId]);
}

export async function fanOut(
  trx: Kysely<Database>,
  flavor: Flavor,
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
  const rows: Value[][] = [];
  for (const run of runsOf(messages)) {
    for (const destination of domains) {
      rows.push([destination, 'notify', run.room, run.first, run.last === run.first ? null : run.last, at]);
    }
  }
  await insertRows(
    trx,
    flavor,
    'outbox',
    ['destination', 'kind', 'room_id', 'seq', 'seq_end', 'created_at'],
    rows,
  );
}

/** The messages as runs of consecutive sequence numbers of one room (a commit's are one run per room). */
function runsOf(messages: StoredMessage[]): { room: string; first: number; last: number }[] {
  const sorted = [...messages].sort((a, b) => (a.room === b.room ? a.seq - b.seq : a.room < b.room ? -1 : 1));
  const runs: { room: string; first: number; last: number }[] = [];
  for (const m of sorted) {
    const run = runs.at(-1);
    if (run && run.room === m.room && run.last + 1 === m.seq) run.last = m.seq;
    else runs.push({ room: m.room, first: m.seq, last: m.seq });
  }
  return runs;
}
