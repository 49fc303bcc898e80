/**
 * The in-memory twin of the SQL storage: same contract, same suite, no durability. For tests and for reasoning
 * about the contract without a database in the way.
 */
import type {
  AccountStore,
  AppendInput,
  AppendResult,
  ClaimOptions,
  DeviceRecord,
  HandshakeInput,
  HandshakeResult,
  KeyPackageStore,
  MemberRecord,
  MembershipResult,
  NewDevice,
  PendingRoom,
  ProviderKeyRecord,
  ProviderKeyStore,
  ReadResult,
  RoomKind,
  RoomRecord,
  RoomStore,
  Storage,
  StoredMessage,
  UserRecord,
} from './types.js';

interface Room {
  record: RoomRecord;
  members: Map<string, MemberRecord>;
  messages: Map<number, StoredMessage>;
  groupInfo?: Uint8Array;
  /** Former members: they may still read what was sent while they were in, up to their removal. */
  departed: Map<string, { joinedSeq: number; leftSeq: number }>;
}

interface KeyPackage {
  id: number;
  deviceId: string;
  data: Uint8Array;
}

class State {
  users = new Map<string, UserRecord>();
  devices = new Map<string, DeviceRecord & { tokenHash: string }>();
  rooms = new Map<string, Room>();
  /** deviceId → roomId → acknowledged seq */
  cursors = new Map<string, Map<string, number>>();
  /** deviceId + clientId → [room, seq] */
  clientIds = new Map<string, [string, number]>();
  keyPackages: KeyPackage[] = [];
  lastResort = new Map<string, Uint8Array>();
  nextKeyPackageId = 1;

  devicesOf(handle: string) {
    return [...this.devices.values()].filter((d) => d.handle === handle);
  }

  cursorsOf(deviceId: string) {
    let map = this.cursors.get(deviceId);
    if (!map) {
      map = new Map();
      this.cursors.set(deviceId, map);
    }
    return map;
  }

  join(room: Room, handle: string, role: MemberRecord['role']) {
    room.departed.delete(handle);
    room.members.set(handle, { handle, role, joinedSeq: room.record.lastSeq });
    for (const device of this.devicesOf(handle))
      this.cursorsOf(device.id).set(room.record.id, room.record.lastSeq);
  }

  /** The member's devices keep their cursors until they have read up to the removal. */
  leave(room: Room, handle: string) {
    const member = room.members.get(handle);
    room.members.delete(handle);
    if (member) room.departed.set(handle, { joinedSeq: member.joinedSeq, leftSeq: room.record.lastSeq });
  }

  /** How far a user may read in a room: to its end while a member, to the removal after; undefined if never. */
  readable(room: Room, handle: string): { from: number; to: number } | undefined {
    const member = room.members.get(handle);
    if (member) return { from: member.joinedSeq, to: room.record.lastSeq };
    const gone = room.departed.get(handle);
    return gone && { from: gone.joinedSeq, to: gone.leftSeq };
  }
}

const copy = <T extends object>(value: T): T => ({ ...value });
const membersOf = (room: Room) => [...room.members.values()].map(copy);

class MemoryAccounts implements AccountStore {
  constructor(private readonly s: State) {}

  async register(user: UserRecord, device: NewDevice) {
    if (this.s.users.has(user.handle)) return { ok: false as const, reason: 'handleTaken' as const };
    this.s.users.set(user.handle, copy(user));
    await this.addDevice(user.handle, device);
    return { ok: true as const };
  }

  async getUser(handle: string) {
    const user = this.s.users.get(handle);
    return user && { identityKey: null, ...copy(user) };
  }

  async setIdentityKey(handle: string, key: Uint8Array) {
    const user = this.s.users.get(handle);
    if (!user) return { ok: false as const, reason: 'noSuchUser' as const };
    if (user.identityKey && Buffer.compare(user.identityKey, key) !== 0) {
      return { ok: false as const, reason: 'conflict' as const };
    }
    user.identityKey = key.slice();
    return { ok: true as const };
  }

  async addDevice(handle: string, device: NewDevice) {
    if (!this.s.users.has(handle)) return { ok: false as const, reason: 'noSuchUser' as const };
    this.s.devices.set(device.id, {
      id: device.id,
      handle,
      name: device.name,
      createdAt: device.createdAt,
      lastSeenAt: null,
      tokenHash: device.tokenHash,
    });
    const cursors = this.s.cursorsOf(device.id);
    for (const room of this.s.rooms.values()) {
      if (room.members.has(handle)) cursors.set(room.record.id, room.record.lastSeq);
    }
    return { ok: true as const };
  }

  async deviceByTokenHash(tokenHash: string) {
    for (const { tokenHash: hash, ...device } of this.s.devices.values()) {
      if (hash === tokenHash) return device;
    }
    return undefined;
  }

  async listDevices(handle: string) {
    return this.s
      .devicesOf(handle)
      .map(({ tokenHash: _, ...device }) => device)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async renameDevice(handle: string, deviceId: string, name: string) {
    const device = this.s.devices.get(deviceId);
    if (!device || device.handle !== handle) return undefined;
    device.name = name;
    const { tokenHash: _, ...view } = device;
    return view;
  }

  async removeDevice(handle: string, deviceId: string) {
    const device = this.s.devices.get(deviceId);
    if (!device || device.handle !== handle) return false;
    this.s.devices.delete(deviceId);
    this.s.cursors.delete(deviceId);
    this.s.keyPackages = this.s.keyPackages.filter((k) => k.deviceId !== deviceId);
    this.s.lastResort.delete(deviceId);
    return true;
  }

  async touchDevice(deviceId: string, at: number) {
    const device = this.s.devices.get(deviceId);
    if (device) device.lastSeenAt = at;
  }
}

class MemoryRooms implements RoomStore {
  constructor(private readonly s: State) {}

  async createRoom(
    room: { id: string; kind: RoomKind; creator: string; createdAt: number; groupInfo?: Uint8Array },
    members: string[],
  ): Promise<MembershipResult> {
    const { groupInfo, ...fields } = room;
    if (groupInfo) members = [];
    const missing = [room.creator, ...members].find((h) => !this.s.users.has(h));
    if (missing) return { ok: false, reason: 'noSuchUser', detail: missing };
    const record: RoomRecord = { ...fields, lastSeq: 0, encrypted: groupInfo !== undefined, epoch: 0 };
    const created: Room = { record, members: new Map(), messages: new Map(), departed: new Map() };
    if (groupInfo) created.groupInfo = groupInfo.slice();
    this.s.rooms.set(room.id, created);
    this.s.join(created, room.creator, 'owner');
    const changed = [room.creator];
    for (const handle of members) {
      if (created.members.has(handle)) continue;
      this.s.join(created, handle, 'member');
      changed.push(handle);
    }
    return { ok: true, room: copy(record), members: membersOf(created), changed };
  }

  async getRoom(id: string) {
    const room = this.s.rooms.get(id);
    return room && { room: copy(room.record), members: membersOf(room) };
  }

  async roomsOf(handle: string) {
    return [...this.s.rooms.values()]
      .filter((r) => r.members.has(handle))
      .map((r) => copy(r.record))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async addMembers(roomId: string, actor: string, handles: string[]): Promise<MembershipResult> {
    const room = this.s.rooms.get(roomId);
    if (!room) return { ok: false, reason: 'noSuchRoom' };
    if (!room.members.has(actor)) return { ok: false, reason: 'notMember' };
    if (room.record.kind === 'direct') return { ok: false, reason: 'forbidden', detail: 'direct' };
    if (room.record.encrypted) return { ok: false, reason: 'forbidden', detail: 'encrypted' };
    const missing = handles.find((h) => !this.s.users.has(h));
    if (missing) return { ok: false, reason: 'noSuchUser', detail: missing };
    const changed: string[] = [];
    for (const handle of handles) {
      if (room.members.has(handle)) continue;
      this.s.join(room, handle, 'member');
      changed.push(handle);
    }
    return { ok: true, room: copy(room.record), members: membersOf(room), changed };
  }

  async removeMember(roomId: string, actor: string, handle: string): Promise<MembershipResult> {
    const room = this.s.rooms.get(roomId);
    if (!room) return { ok: false, reason: 'noSuchRoom' };
    const actorRecord = room.members.get(actor);
    if (!actorRecord) return { ok: false, reason: 'notMember' };
    if (room.record.encrypted) return { ok: false, reason: 'forbidden', detail: 'encrypted' };
    if (actor !== handle && actorRecord.role !== 'owner') return { ok: false, reason: 'forbidden' };
    if (!room.members.has(handle)) return { ok: false, reason: 'noSuchUser', detail: handle };
    this.s.leave(room, handle);
    return { ok: true, room: copy(room.record), members: membersOf(room), changed: [handle] };
  }

  async append(input: AppendInput): Promise<AppendResult> {
    const room = this.s.rooms.get(input.room);
    if (!room) return { ok: false, reason: 'noSuchRoom' };
    if (input.clientId !== undefined) {
      const seen = this.s.clientIds.get(`${input.device}\u0000${input.clientId}`);
      const message = seen && this.s.rooms.get(seen[0])?.messages.get(seen[1]);
      if (message) return { ok: true, message: { ...message }, duplicate: true };
    }
    if (!room.members.has(input.sender)) return { ok: false, reason: 'notMember' };
    const seq = room.record.lastSeq + 1;
    room.record.lastSeq = seq;
    const message: StoredMessage = {
      room: input.room,
      seq,
      kind: 'application',
      toDevice: null,
      sender: input.sender,
      device: input.device,
      ts: input.ts,
      payload: input.payload.slice(),
    };
    room.messages.set(seq, message);
    if (input.clientId !== undefined)
      this.s.clientIds.set(`${input.device}\u0000${input.clientId}`, [input.room, seq]);
    return { ok: true, message: { ...message }, duplicate: false };
  }

  async groupInfo(roomId: string) {
    const room = this.s.rooms.get(roomId);
    return room?.groupInfo && { epoch: room.record.epoch, groupInfo: room.groupInfo.slice() };
  }

  async applyHandshake(input: HandshakeInput): Promise<HandshakeResult> {
    const room = this.s.rooms.get(input.room);
    if (!room) return { ok: false, reason: 'noSuchRoom' };
    if (!room.record.encrypted) return { ok: false, reason: 'notEncrypted' };
    if (!room.members.has(input.sender)) return { ok: false, reason: 'notMember' };
    if (room.record.epoch !== input.epoch) return { ok: false, reason: 'staleEpoch' };
    const stored: StoredMessage[] = [];
    const store = (kind: StoredMessage['kind'], payload: Uint8Array, toDevice: string | null) => {
      const seq = ++room.record.lastSeq;
      const message: StoredMessage = {
        room: input.room,
        seq,
        kind,
        toDevice,
        sender: input.sender,
        device: input.device,
        ts: input.ts,
        payload: payload.slice(),
      };
      room.messages.set(seq, message);
      stored.push({ ...message });
    };
    store(input.kind, input.payload, null);
    if (input.next) {
      room.record.epoch = input.next.epoch;
      room.groupInfo = input.next.groupInfo.slice();
      for (const handle of input.next.removeUsers) if (room.members.has(handle)) this.s.leave(room, handle);
      for (const handle of input.next.addUsers)
        if (!room.members.has(handle)) this.s.join(room, handle, 'member');
    }
    for (const device of input.welcome?.devices ?? []) store('welcome', input.welcome!.payload, device);
    return { ok: true, messages: stored, room: copy(room.record), members: membersOf(room) };
  }

  async read(
    roomId: string,
    reader: string,
    after: number,
    limit: number,
    device?: string,
  ): Promise<ReadResult> {
    const room = this.s.rooms.get(roomId);
    if (!room) return { ok: false, reason: 'noSuchRoom' };
    const range = this.s.readable(room, reader);
    if (!range || (!room.members.has(reader) && after >= range.to)) return { ok: false, reason: 'notMember' };
    const from = Math.max(after, range.from);
    const messages: StoredMessage[] = [];
    for (let seq = from + 1; seq <= range.to && messages.length < limit; seq++) {
      const message = room.messages.get(seq);
      if (message && (message.toDevice === null || message.toDevice === device))
        messages.push({ ...message });
    }
    return { ok: true, messages };
  }

  async pending(deviceId: string): Promise<PendingRoom[]> {
    const out: PendingRoom[] = [];
    const handle = this.s.devices.get(deviceId)?.handle;
    for (const [roomId, cursor] of this.s.cursors.get(deviceId) ?? []) {
      const room = this.s.rooms.get(roomId);
      const end = room && handle !== undefined ? this.s.readable(room, handle)?.to : undefined;
      if (end !== undefined && end > cursor) out.push({ room: roomId, cursor, lastSeq: end });
    }
    return out.sort((a, b) => a.room.localeCompare(b.room));
  }

  async ack(deviceId: string, acks: { room: string; seq: number }[]) {
    const cursors = this.s.cursors.get(deviceId);
    if (!cursors) return;
    const handle = this.s.devices.get(deviceId)?.handle;
    for (const { room: roomId, seq } of acks) {
      const current = cursors.get(roomId);
      const room = this.s.rooms.get(roomId);
      if (current === undefined || !room || handle === undefined) continue;
      const end = this.s.readable(room, handle)?.to ?? current;
      const next = Math.max(current, Math.min(seq, end));
      // A former member's device that has read up to its removal is done with the room.
      if (!room.members.has(handle) && next >= end) cursors.delete(roomId);
      else cursors.set(roomId, next);
    }
  }

  async prune(olderThan: number) {
    let deleted = 0;
    for (const room of this.s.rooms.values()) {
      let floor = Number.POSITIVE_INFINITY;
      for (const cursors of this.s.cursors.values()) {
        const seq = cursors.get(room.record.id);
        if (seq !== undefined) floor = Math.min(floor, seq);
      }
      for (const [seq, message] of room.messages) {
        if (seq <= floor || message.ts < olderThan) {
          room.messages.delete(seq);
          deleted++;
        }
      }
    }
    return deleted;
  }
}

class MemoryKeyPackages implements KeyPackageStore {
  constructor(private readonly s: State) {}

  async upload(
    handle: string,
    deviceId: string,
    keyPackages: Uint8Array[],
    lastResort: Uint8Array | undefined,
  ) {
    const device = this.s.devices.get(deviceId);
    if (!device || device.handle !== handle) return;
    for (const data of keyPackages) {
      this.s.keyPackages.push({ id: this.s.nextKeyPackageId++, deviceId, data: data.slice() });
    }
    if (lastResort) this.s.lastResort.set(deviceId, lastResort.slice());
  }

  async claim(handle: string, options: ClaimOptions = {}) {
    const out: { deviceId: string; keyPackage: Uint8Array; lastResort: boolean }[] = [];
    const chosen = this.s
      .devicesOf(handle)
      .filter((d) => (options.devices ? options.devices.includes(d.id) : true) && d.id !== options.except);
    for (const device of chosen.sort((a, b) => a.id.localeCompare(b.id))) {
      const index = this.s.keyPackages.findIndex((k) => k.deviceId === device.id);
      if (index !== -1) {
        const [taken] = this.s.keyPackages.splice(index, 1);
        out.push({ deviceId: device.id, keyPackage: taken!.data.slice(), lastResort: false });
        continue;
      }
      const fallback = this.s.lastResort.get(device.id);
      if (fallback) out.push({ deviceId: device.id, keyPackage: fallback.slice(), lastResort: true });
    }
    return out;
  }

  async count(deviceId: string) {
    return {
      count: this.s.keyPackages.filter((k) => k.deviceId === deviceId).length,
      lastResort: this.s.lastResort.has(deviceId),
    };
  }
}

/** A fresh, empty in-memory storage. */
class MemoryProviderKeys implements ProviderKeyStore {
  readonly #keys: ProviderKeyRecord[] = [];

  async active(now: number, fresh: () => ProviderKeyRecord) {
    const [newest] = await this.list(now);
    if (newest) return newest;
    const key = fresh();
    this.#keys.push({ ...key });
    return { ...key };
  }

  async list(now: number) {
    return this.#keys
      .filter((k) => k.notAfter > now)
      .sort((x, y) => y.createdAt - x.createdAt || (x.keyId < y.keyId ? 1 : -1))
      .map(copy);
  }

  async rotate(next: ProviderKeyRecord, retireAt: number) {
    for (const key of this.#keys) if (key.notAfter > retireAt) key.notAfter = retireAt;
    this.#keys.push({ ...next });
  }
}

export function createMemoryStorage(): Storage {
  const state = new State();
  return {
    kind: 'memory',
    accounts: new MemoryAccounts(state),
    rooms: new MemoryRooms(state),
    keyPackages: new MemoryKeyPackages(state),
    providerKeys: new MemoryProviderKeys(),
    ping: async () => {},
    close: async () => {},
  };
}
