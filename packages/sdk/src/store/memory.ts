import type {
  AccountRecord,
  KeyPackageRecord,
  MessageRecord,
  RoomRecord,
  Store,
  StoreBatch,
} from './types.js';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * A {@link Store} in memory: for tests and for browser sessions that keep nothing. Values are copied in and out, so
 * callers can never change stored state by mutating what they passed or got.
 *
 * @example
 * const client = new ParleyClient({ store: new MemoryStore(), WebSocket });
 */
export class MemoryStore implements Store {
  private accountRecord: AccountRecord | undefined;
  private readonly roomMap = new Map<string, RoomRecord>();
  private readonly groupMap = new Map<string, Uint8Array>();
  private readonly positionMap = new Map<string, number>();
  private readonly keyPackageMap = new Map<string, KeyPackageRecord>();
  private readonly messageMap = new Map<string, MessageRecord>();
  private readonly identityMap = new Map<string, Uint8Array>();

  async account() {
    return copy(this.accountRecord);
  }
  async room(id: string) {
    return copy(this.roomMap.get(id));
  }
  async rooms() {
    return copy([...this.roomMap.values()]);
  }
  async group(room: string) {
    return copy(this.groupMap.get(room));
  }
  async positions() {
    return Object.fromEntries(this.positionMap);
  }
  async keyPackage(ref: string) {
    return copy(this.keyPackageMap.get(ref));
  }
  async message(id: string) {
    return copy(this.messageMap.get(id));
  }
  async messages(room: string) {
    return copy([...this.messageMap.values()].filter((m) => m.room === room).sort((a, b) => a.seq - b.seq));
  }
  async queued(room: string) {
    return copy([...this.messageMap.values()].filter((m) => m.room === room && m.seq === 0));
  }
  async identityKey(userUri: string) {
    return copy(this.identityMap.get(userUri));
  }

  async write(input: StoreBatch): Promise<void> {
    // Copy everything before touching any map: a bad value fails the whole batch, not half of it.
    const batch = copy(input);
    if (batch.account) this.accountRecord = batch.account;
    for (const room of batch.rooms ?? []) this.roomMap.set(room.id, room);
    for (const { room, state } of batch.groups ?? []) {
      if (state === null) this.groupMap.delete(room);
      else this.groupMap.set(room, state);
    }
    for (const { room, seq } of batch.positions ?? []) {
      this.positionMap.set(room, Math.max(seq, this.positionMap.get(room) ?? 0));
    }
    for (const kp of batch.keyPackages ?? []) this.keyPackageMap.set(kp.ref, kp);
    for (const ref of batch.deleteKeyPackages ?? []) this.keyPackageMap.delete(ref);
    for (const m of batch.messages ?? []) this.messageMap.set(m.id, m);
    for (const { userUri, key } of batch.identityKeys ?? []) this.identityMap.set(userUri, key);
  }

  async close(): Promise<void> {}
}
