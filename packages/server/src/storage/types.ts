/**
 * The narrow storage interfaces of a provider. Every method is one atomic operation: it commits whole or not at
 * all, and it has returned only once the commit is durable. Expected refusals are values (`{ ok: false, reason }`);
 * only bugs and broken databases throw.
 *
 * One implementation, `SqlStorage` (sql/), over two databases: SQLite (tests also use it in memory) and PostgreSQL;
 * the `@parley/testing` storage suite runs against each.
 */

export interface UserRecord {
  handle: string;
  passwordHash: string;
  createdAt: number;
  /** The user's long-term Ed25519 identity public key, once a device published it. */
  identityKey?: Uint8Array | null;
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
  /** An MLS room: membership follows the group, handshakes are checked against its GroupInfo. */
  encrypted: boolean;
  /** The MLS epoch the room is in (0 for plain rooms). */
  epoch: number;
  /** The hub's domain when another provider orders the room and this one follows; null when this one is hub. */
  hub: string | null;
  /** Binds the id to the hub (federation/roomId.ts); null for rooms made before federation. */
  salt: string | null;
}

export type MessageKind = 'application' | 'commit' | 'proposal' | 'welcome';

/**
 * A member is named by a local handle (`alice`) or, for a user of another provider, by a full address
 * (`bob@b.example`): a member key. Only handles without `@` are this provider's users.
 */
export interface MemberRecord {
  handle: string;
  role: MemberRole;
  /** Members see messages with a sequence above this: the room's last sequence when they joined. */
  joinedSeq: number;
  /** Added by a stranger of another provider: in the user's Requests, nothing delivered until accepted. */
  pending?: boolean;
}

export interface StoredMessage {
  room: string;
  seq: number;
  kind: MessageKind;
  /** A Welcome is for one device only; everything else is for every member device. */
  toDevice: string | null;
  /** With `toDevice`: the member the device belongs to. */
  toUser?: string | null;
  sender: string;
  device: string;
  ts: number;
  payload: Uint8Array;
  /** A commit of a room with users of other providers: the room after it, as followers need it. */
  state?: RoomState | undefined;
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

export interface HandshakeInput {
  room: string;
  sender: string;
  device: string;
  kind: 'commit' | 'proposal';
  payload: Uint8Array;
  ts: number;
  /** The epoch the handshake was made in: it must still be the room's. */
  epoch: number;
  /** For a commit: the epoch it starts, its GroupInfo and the users it adds or removes from the room. */
  next?: { epoch: number; groupInfo: Uint8Array; addUsers: string[]; removeUsers: string[] };
  /** For a commit that adds devices: one Welcome, stored once per device. */
  welcome?: { payload: Uint8Array; devices: { id: string; user: string }[] };
}

export type HandshakeResult =
  | { ok: true; messages: StoredMessage[]; room: RoomRecord; members: MemberRecord[] }
  | { ok: false; reason: 'noSuchRoom' | 'notMember' | 'staleEpoch' | 'notEncrypted' | 'notHub' };

/**
 * `flushLater`: the call is answered once its transaction committed, while the commit's flush may still run
 * (SQLite; a PostgreSQL commit is on the disk when it returns). The caller waits for `Storage.flushed()` before
 * it lets anything about the commit leave, unless it knows that thing cannot be contradicted by a crash.
 */
export interface FlushOptions {
  flushLater?: boolean;
}

export type AppendResult =
  | { ok: true; message: StoredMessage; duplicate: boolean }
  | { ok: false; reason: 'noSuchRoom' | 'notMember' | 'notHub' };

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
  /** Publishes the user's identity key; the same key again is fine, a different one is a conflict. */
  setIdentityKey(
    handle: string,
    key: Uint8Array,
  ): Promise<{ ok: true } | { ok: false; reason: 'conflict' | 'noSuchUser' }>;
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
  /** With `groupInfo` the room is encrypted, at epoch 0, and starts with its creator alone. */
  createRoom(
    room: {
      id: string;
      kind: RoomKind;
      creator: string;
      createdAt: number;
      groupInfo?: Uint8Array;
      salt?: string;
    },
    members: string[],
  ): Promise<MembershipResult>;
  /** The latest GroupInfo of an encrypted room. */
  groupInfo(roomId: string): Promise<{ epoch: number; groupInfo: Uint8Array } | undefined>;
  /**
   * Stores a checked handshake atomically: only while the room is still at `epoch`; a commit moves the room to its
   * next epoch, stores its GroupInfo, adds and removes members (added users see the room from the commit on), and
   * stores the Welcome once per added device.
   */
  applyHandshake(input: HandshakeInput): Promise<HandshakeResult>;
  getRoom(id: string): Promise<{ room: RoomRecord; members: MemberRecord[] } | undefined>;
  roomsOf(handle: string): Promise<RoomRecord[]>;
  /** Any member may add users; existing members are left as they are. */
  addMembers(roomId: string, actor: string, handles: string[]): Promise<MembershipResult>;
  /** The owner may remove anyone; anyone may remove themselves (leave). */
  removeMember(roomId: string, actor: string, handle: string): Promise<MembershipResult>;
  append(input: AppendInput): Promise<AppendResult>;
  /**
   * `append` for several submits in one transaction (group commit), answered in order. With `flushLater`,
   * answered once committed, perhaps before the commit is on the disk: nothing about these messages may leave
   * the process (an answer, a push, a transaction to a peer) before `Storage.flushed()` resolves.
   */
  appendMany(inputs: AppendInput[], options?: FlushOptions): Promise<AppendResult[]>;
  /**
   * Messages of one room after `after` (never before the reader's join point), oldest first. Welcomes are
   * included only for `device`.
   */
  read(roomId: string, reader: string, after: number, limit: number, device?: string): Promise<ReadResult>;
  /** The rooms where this device has messages past its acknowledged cursor. */
  pending(deviceId: string): Promise<PendingRoom[]>;
  /** Moves the device's cursors forward (never back, never past the room's end). Unknown rooms are ignored. */
  ack(deviceId: string, acks: { room: string; seq: number }[]): Promise<void>;
  /** `ack` for many devices in one transaction. */
  ackMany(batch: { deviceId: string; acks: { room: string; seq: number }[] }[]): Promise<void>;
  /**
   * Deletes messages every member device has acknowledged, and any older than `olderThan`.
   * Returns how many were deleted.
   */
  prune(olderThan: number): Promise<number>;
}

export interface ClaimOptions {
  devices?: string[] | undefined;
  except?: string | undefined;
  /** Hand out only the last-resort packages (the one-time stock stays untouched). */
  lastResortOnly?: boolean | undefined;
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
  /**
   * Claims one package for each of the user's devices (or only `devices`, and never `except`), atomically:
   * single use, except a last-resort one.
   */
  claim(
    handle: string,
    options?: ClaimOptions,
  ): Promise<{ deviceId: string; keyPackage: Uint8Array; lastResort: boolean }[]>;
  count(deviceId: string): Promise<{ count: number; lastResort: boolean }>;
}

/** One of this provider's Ed25519 signing keys for server-to-server requests (docs/FEDERATION.md). */
export interface ProviderKeyRecord {
  /** RFC 7638 thumbprint of the public key. */
  keyId: string;
  /** The private OKP JWK as JSON text. Secret: never logged, never served. */
  privateJwk: string;
  /** The public OKP JWK as JSON text. */
  publicJwk: string;
  createdAt: number;
  /** Milliseconds since the epoch after which the key signs nothing and verifies nothing. */
  notAfter: number;
}

export interface ProviderKeyStore {
  /**
   * The newest key still valid at `now`; when there is none, stores `fresh()` and returns it, in one transaction.
   * (Two nodes racing on an empty table may each create one: both are then valid and published.)
   */
  active(now: number, fresh: () => ProviderKeyRecord): Promise<ProviderKeyRecord>;
  /** Every key still valid at `now`, newest first: what discovery publishes. */
  list(now: number): Promise<ProviderKeyRecord[]>;
  /** Rotation: every key valid at `retireAt` ends there, and `next` is stored, in one transaction. */
  rotate(next: ProviderKeyRecord, retireAt: number): Promise<void>;
}

export type OutboxKind = 'notify' | 'submit' | 'consent' | 'report';

export interface NewOutboxItem {
  destination: string;
  kind: OutboxKind;
  /**
   * A notify item names stored messages of one room, `seq` to `seqEnd` (or `seq` alone): they are read when
   * sent, so the outbox holds no copy of them.
   */
  room?: string;
  seq?: number;
  seqEnd?: number;
  /** The device on whose behalf an item is sent: it is told if the item is given up. */
  device?: string;
  body?: Uint8Array;
}

/** The room as a follower needs it with a commit: what it is and who is in it after the commit. */
export interface RoomState {
  kind: RoomKind;
  creator: string;
  createdAt: number;
  epoch: number;
  members: { handle: string; role: MemberRole }[];
  /** The room's salt: a follower checks that the id is the hub's (federation/roomId.ts). */
  salt?: string | undefined;
}

/**
 * One item owed to a peer. A notify item names one message; a run of messages (one outbox row) comes as one
 * entry per message, with the row's id and each its own `seq`.
 */
export interface OutboxEntry {
  id: number;
  /** For notify items: the message's sequence number. */
  seq: number | null;
  destination: string;
  kind: OutboxKind;
  device: string | null;
  body: Uint8Array | null;
  createdAt: number;
  attempts: number;
  /** For notify items: the message, while it is still stored. */
  message?: StoredMessage;
}

export type ReceiveResult =
  | {
      ok: true;
      /** Undefined when the message was already stored, or when no user of this provider needs it. */
      stored: StoredMessage | undefined;
      /** Local members whose devices may want it. */
      audience: string[];
    }
  | { ok: false; reason: 'gap'; lastSeq: number }
  | { ok: false; reason: 'notHub' };

export type ConsentState = 'accepted' | 'declined' | 'blocked';

export interface ConsentRequest {
  from: string;
  rooms: { id: string; kind: RoomKind }[];
  at: number;
}

/** What names an outbox entry when it is settled. */
export type OutboxRef = Pick<OutboxEntry, 'id' | 'seq'>;

/** A message by room and sequence number, if the caller still holds it exactly as stored. */
export type KnownMessage = (room: string, seq: number) => StoredMessage | undefined;

export interface FederationStore {
  /** Adds items to the outbox, each addressed to one peer; returns their ids in order. */
  enqueue(items: NewOutboxItem[], at: number): Promise<number[]>;
  /**
   * The oldest items owed to `destination`, in the order they were queued. `known` may hand over messages
   * still in memory, so that their payloads need not be read back; any item it does not know is read. What it
   * answers may not be on the disk yet: send none of it before `Storage.flushed()` resolves.
   */
  due(destination: string, limit: number, known?: KnownMessage): Promise<OutboxEntry[]>;
  /** Peers something is owed to. */
  destinations(): Promise<string[]>;
  /**
   * Items the peer acknowledged: gone from the outbox. The entries of a run are taken oldest first, so a run
   * is settled up to its highest `seq` given, and what follows stays owed.
   */
  delivered(entries: OutboxRef[]): Promise<void>;
  /** Items the peer could not be given yet: one more attempt counted. */
  attempted(ids: number[]): Promise<void>;
  /** Items given up on (a run up to its highest `seq` given): removed, and each device that sent one is told. */
  giveUp(entries: OutboxRef[], reason: string, at: number): Promise<void>;
  undeliveredFor(deviceId: string): Promise<{ room: string; clientId: string; reason: string; at: number }[]>;
  /**
   * Stores a message of a room `origin` is hub of, idempotently: a sequence already stored is a duplicate; one
   * past the next is a gap (fetch the range from the hub first), unless no local user is in the room yet. A
   * commit's state brings membership along, and creates the room when it adds a local user.
   */
  receive(origin: string, message: StoredMessage): Promise<ReceiveResult>;
  /**
   * `receive` for a batch, in one transaction; after a room's first gap its later messages are gaps too. With
   * `txn`, a batch applied whole is remembered as that transaction of `origin`'s in the same commit (`seen`).
   */
  receiveMany(
    origin: string,
    messages: StoredMessage[],
    txn?: { id: string; at: number },
    options?: FlushOptions,
  ): Promise<ReceiveResult[]>;
  /**
   * Moves a followed room of hub `origin` from `from` (its last sequence here) to `to` without storing what lies
   * between: the hub keeps none of it any more (see federation/rooms.ts, `fillGap`). False, changing nothing, if
   * the room is not followed from `origin` or is no longer at `from`.
   */
  skipGone(origin: string, room: string, from: number, to: number): Promise<boolean>;
  /** Messages of a room this provider is hub of that `domain`'s users may have: for a follower's gap. */
  history(roomId: string, domain: string, after: number, limit: number): Promise<StoredMessage[] | undefined>;
  /** Whether `origin`'s transaction was applied already; `remember` records it as applied. */
  seen(origin: string, txn: string): Promise<boolean>;
  remember(origin: string, txn: string, at: number): Promise<void>;
  consent(owner: string, peer: string): Promise<ConsentState | undefined>;
  /**
   * Records the user's answer to a peer. Accepting makes the peer's pending rooms ordinary (their devices start
   * at the join); declining or blocking drops them. Returns the rooms that changed.
   */
  setConsent(owner: string, peer: string, state: ConsentState, at: number): Promise<string[]>;
  requests(owner: string): Promise<ConsentRequest[]>;
  /** Whether `a` (a local user, not merely invited) and `b` share a direct room: the proof of a contact. */
  shareRoom(a: string, b: string): Promise<boolean>;
  /** Forgets applied transactions older than `olderThan` (peers retry for days, not months). */
  pruneInbox(olderThan: number): Promise<number>;
  report(report: { room: string; seq: number; reporter: string; reason: string; at: number }): Promise<void>;
}

export interface AttachmentStore {
  put(attachment: { id: string; owner: string; data: Uint8Array; createdAt: number }): Promise<void>;
  get(id: string): Promise<{ owner: string; data: Uint8Array } | undefined>;
  /** Deletes attachments older than `olderThan`; returns how many. */
  prune(olderThan: number): Promise<number>;
}

export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly rooms: RoomStore;
  readonly keyPackages: KeyPackageStore;
  readonly providerKeys: ProviderKeyStore;
  readonly federation: FederationStore;
  readonly attachments: AttachmentStore;
  /**
   * Resolves once every commit made so far is on the disk. A caller that was answered before its commit's
   * flush (`flushLater`) waits for this before anything that depends on the commit leaves the process.
   */
  flushed(): Promise<void>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
