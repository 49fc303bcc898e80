/**
 * The narrow storage interfaces of a provider. Every method is one atomic operation: it commits whole or not at
 * all, and it has returned only once the commit is durable. Expected refusals are values (`{ ok: false, reason }`);
 * only bugs and broken databases throw.
 *
 * Three implementations pass the same suite (`@parley/testing` storage suite): the in-memory twin here, SQLite and
 * PostgreSQL (both through `SqlStorage`).
 */

export interface UserRecord {
  handle: string;
  passwordHash: string;
  createdAt: number;
}

export interface DeviceRecord {
  id: string;
  handle: string;
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
}

export interface NewDevice {
  id: string;
  name: string;
  /** SHA-256 of the device's bearer token; the token itself is never stored. */
  tokenHash: string;
  createdAt: number;
}

export type RoomKind = 'direct' | 'group';
export type MemberRole = 'owner' | 'member';

export interface RoomRecord {
  id: string;
  kind: RoomKind;
  creator: string;
  lastSeq: number;
  createdAt: number;
}

export interface MemberRecord {
  handle: string;
  role: MemberRole;
  /** Members see messages with a sequence above this: the room's last sequence when they joined. */
  joinedSeq: number;
}

export interface StoredMessage {
  room: string;
  seq: number;
  sender: string;
  device: string;
  ts: number;
  payload: Uint8Array;
}

export interface AppendInput {
  room: string;
  sender: string;
  device: string;
  /** Client-chosen id: a resubmission with the same device and id is answered with the first one's sequence. */
  clientId?: string | undefined;
  payload: Uint8Array;
  ts: number;
}

export type AppendResult =
  | { ok: true; message: StoredMessage; duplicate: boolean }
  | { ok: false; reason: 'noSuchRoom' | 'notMember' };

export type MembershipResult =
  | { ok: true; room: RoomRecord; members: MemberRecord[]; changed: string[] }
  | { ok: false; reason: 'noSuchRoom' | 'notMember' | 'forbidden' | 'noSuchUser'; detail?: string };

export type ReadResult =
  | { ok: true; messages: StoredMessage[] }
  | { ok: false; reason: 'noSuchRoom' | 'notMember' };

export interface PendingRoom {
  room: string;
  /** The device's acknowledged position (never below the member's join point). */
  cursor: number;
  lastSeq: number;
}

export interface AccountStore {
  /** Creates the user and their first device together. */
  register(user: UserRecord, device: NewDevice): Promise<{ ok: true } | { ok: false; reason: 'handleTaken' }>;
  getUser(handle: string): Promise<UserRecord | undefined>;
  /** Adds a device to an existing user; its cursors start at the present of every room the user is in. */
  addDevice(handle: string, device: NewDevice): Promise<{ ok: true } | { ok: false; reason: 'noSuchUser' }>;
  deviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined>;
  listDevices(handle: string): Promise<DeviceRecord[]>;
  renameDevice(handle: string, deviceId: string, name: string): Promise<DeviceRecord | undefined>;
  /** Removes the device, its token, cursors and KeyPackages. */
  removeDevice(handle: string, deviceId: string): Promise<boolean>;
  touchDevice(deviceId: string, at: number): Promise<void>;
}

export interface RoomStore {
  createRoom(
    room: { id: string; kind: RoomKind; creator: string; createdAt: number },
    members: string[],
  ): Promise<MembershipResult>;
  getRoom(id: string): Promise<{ room: RoomRecord; members: MemberRecord[] } | undefined>;
  roomsOf(handle: string): Promise<RoomRecord[]>;
  /** Any member may add users; existing members are left as they are. */
  addMembers(roomId: string, actor: string, handles: string[]): Promise<MembershipResult>;
  /** The owner may remove anyone; anyone may remove themselves (leave). */
  removeMember(roomId: string, actor: string, handle: string): Promise<MembershipResult>;
  append(input: AppendInput): Promise<AppendResult>;
  /** Messages of one room after `after` (never before the reader's join point), oldest first. */
  read(roomId: string, reader: string, after: number, limit: number): Promise<ReadResult>;
  /** The rooms where this device has messages past its acknowledged cursor. */
  pending(deviceId: string): Promise<PendingRoom[]>;
  /** Moves the device's cursors forward (never back, never past the room's end). Unknown rooms are ignored. */
  ack(deviceId: string, acks: { room: string; seq: number }[]): Promise<void>;
  /**
   * Deletes messages every member device has acknowledged, and any older than `olderThan`.
   * Returns how many were deleted.
   */
  prune(olderThan: number): Promise<number>;
}

export interface KeyPackageStore {
  /** Stores a batch for the device; a new last-resort package replaces the old one. */
  upload(
    handle: string,
    deviceId: string,
    keyPackages: Uint8Array[],
    lastResort: Uint8Array | undefined,
    at: number,
  ): Promise<void>;
  /** Claims one package for each of the user's devices, atomically: single use, except a last-resort one. */
  claim(handle: string): Promise<{ deviceId: string; keyPackage: Uint8Array; lastResort: boolean }[]>;
  count(deviceId: string): Promise<{ count: number; lastResort: boolean }>;
}

export interface Storage {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly rooms: RoomStore;
  readonly keyPackages: KeyPackageStore;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
