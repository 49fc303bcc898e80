/**
 * What a follower's notify reads and writes once per transaction rather than once per message: each room row
 * (locked on first use, then kept in memory), its members (read again only after a commit changed them),
 * whether every local member blocked a sender, the messages to store (one insert, written before any
 * membership change and at the end), and the rooms' new positions (one update per room, at the end).
 */
import type { Kysely } from 'kysely';
import type { MemberRecord, RoomRecord, StoredMessage } from '../types.js';
import { insertMessages, type NewRow } from './append.js';
import { type Flavor, isLocal, lockRoom, membersOf } from './membership.js';
import type { Database } from './schema.js';
import { ListStatement, Statement } from './statement.js';

type Db = Kysely<Database>;

const BLOCKING = new ListStatement<{ owner: string }>(
  `select "owner" from "consent" where "peer" = ? and "state" = 'blocked' and "owner" in (?…)`,
);
const POSITION = new Statement('update "rooms" set "last_seq" = ?, "epoch" = ? where "id" = ?');

export class ReceiveBatch {
  private readonly rooms = new Map<string, RoomRecord | undefined>();
  private readonly members_ = new Map<string, MemberRecord[]>();
  private readonly blocked = new Map<string, boolean>();
  private readonly dirty = new Set<RoomRecord>();
  private rows: NewRow[] = [];

  constructor(
    readonly trx: Db,
    private readonly flavor: Flavor,
  ) {}

  /** The room, locked and read on first use in this transaction; undefined when this provider lacks it. */
  async room(id: string): Promise<RoomRecord | undefined> {
    if (!this.rooms.has(id)) this.rooms.set(id, await lockRoom(this.trx, id, this.flavor));
    return this.rooms.get(id);
  }

  /** A room just created here (the first commit that brings a local user in). */
  followed(room: RoomRecord): RoomRecord {
    this.rooms.set(room.id, room);
    return room;
  }

  async members(roomId: string): Promise<MemberRecord[]> {
    let found = this.members_.get(roomId);
    if (!found) {
      found = await membersOf(this.trx, this.flavor, roomId);
      this.members_.set(roomId, found);
    }
    return found;
  }

  membershipChanged(roomId: string): void {
    this.members_.delete(roomId);
    for (const key of this.blocked.keys()) if (key.startsWith(`${roomId}\n`)) this.blocked.delete(key);
  }

  /** Whether every local member of the room blocked `sender` (and there is at least one). */
  async blockedEverywhere(roomId: string, sender: string): Promise<boolean> {
    const key = `${roomId}\n${sender}`;
    let answer = this.blocked.get(key);
    if (answer === undefined) {
      const local = (await this.members(roomId)).filter((m) => isLocal(m.handle)).map((m) => m.handle);
      const blocking =
        local.length === 0
          ? []
          : await BLOCKING.of(local.length).all(this.trx, this.flavor, [sender, ...local]);
      answer = local.length > 0 && blocking.length === local.length;
      this.blocked.set(key, answer);
    }
    return answer;
  }

  /** The room's position or epoch moved: written once, at the end. */
  changed(room: RoomRecord): void {
    this.dirty.add(room);
  }

  insert(message: StoredMessage): void {
    this.rows.push({ message });
  }

  /** Writes the messages gathered so far. */
  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    await insertMessages(this.trx, this.flavor, rows);
  }

  async finish(): Promise<void> {
    await this.flush();
    for (const room of this.dirty)
      await POSITION.write(this.trx, this.flavor, [room.lastSeq, room.epoch, room.id]);
    this.dirty.clear();
  }
}
