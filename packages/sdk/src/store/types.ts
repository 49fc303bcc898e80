// What a device keeps, and the narrow interface every store implements. Reads are single look-ups; every change
// goes through `write`, one batch applied atomically, so a crash never leaves a group state without the position
// (or the message) that goes with it.
import type { Attachment } from '../attachments/attachment.js';

/** A key pair as the MLS adapter hands it out: 32-byte Ed25519 public key and private seed. */
export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** The signed-in device. Holds secrets: the identity key certifies the user's devices. */
export interface AccountRecord {
  server: string;
  /** `alice@a.example` */
  user: string;
  deviceId: string;
  token: string;
  identity: KeyPair;
  deviceKey: KeyPair;
  /** The identity of this device's MLS basic credential (the certificate is inside). */
  credential: Uint8Array;
}

/** A KeyPackage this device published, with its private keys, by KeyPackageRef (hex). */
export interface KeyPackageRecord {
  ref: string;
  keyPackage: Uint8Array;
  initPrivateKey: Uint8Array;
  hpkePrivateKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
  lastResort: boolean;
  createdAt: number;
}

export type RoomKind = 'direct' | 'group';

/** A room as this device knows it. `members` are user addresses, derived from the MLS group. */
export interface RoomRecord {
  id: string;
  /** `mimi://hub.example/r/ID`, the room URI message ids are computed with. */
  uri: string;
  kind: RoomKind;
  name?: string;
  members: string[];
  /** False once this device was removed (or left). */
  active: boolean;
  /** This device asked to leave; it re-proposes its removal until a commit carries it. */
  leaving?: boolean;
}

export type MessageType = 'message' | 'reaction' | 'edit' | 'delete';

/** One entry of the message index: what a MIMI message did, by its message id (hex). */
export interface MessageRecord {
  id: string;
  room: string;
  /** The message's place in the room; 0 while this device's provider holds it queued (see `queued`). */
  seq: number;
  /** The hub's time; this device's clock while queued. */
  ts: number;
  /** `alice@a.example` */
  sender: string;
  device: string;
  type: MessageType;
  /** The text of a message or an edit. */
  text?: string;
  /** The message an edit, a delete or a reaction is about. */
  target?: string;
  /** The message a message replies to. */
  replyTo?: string;
  /** The reaction's content (an emoji). */
  reaction?: string;
  /** A message's file: where its ciphertext is and the key to open it (a secret, like the text). */
  attachment?: Attachment;
  /**
   * This device's own message that its provider queued for a hub that had not answered: the SHA-256 (hex) of the
   * MLS message sent, by which its echo is recognised. The echo sets `seq` and `ts` and removes this field.
   */
  queued?: string;
}

/** Changes applied together or not at all. Positions only move forward; a `null` group state deletes it. */
export interface StoreBatch {
  account?: AccountRecord;
  rooms?: RoomRecord[];
  groups?: { room: string; state: Uint8Array | null }[];
  positions?: { room: string; seq: number }[];
  keyPackages?: KeyPackageRecord[];
  deleteKeyPackages?: string[];
  messages?: MessageRecord[];
  identityKeys?: { userUri: string; key: Uint8Array }[];
}

/**
 * Everything a device keeps between runs. Implementations: `MemoryStore` (tests, ephemeral browser sessions) and
 * `SqliteStore` from `@parley/sdk/node`. The group states and keys are secrets: keep the store private.
 *
 * @example
 * await store.write({ groups: [{ room, state: encodeState(next) }], positions: [{ room, seq }] });
 */
export interface Store {
  account(): Promise<AccountRecord | undefined>;
  room(id: string): Promise<RoomRecord | undefined>;
  rooms(): Promise<RoomRecord[]>;
  group(room: string): Promise<Uint8Array | undefined>;
  positions(): Promise<Record<string, number>>;
  keyPackage(ref: string): Promise<KeyPackageRecord | undefined>;
  /** The message index entry, by message id (hex). */
  message(id: string): Promise<MessageRecord | undefined>;
  /** A room's index entries in sequence order. */
  messages(room: string): Promise<MessageRecord[]>;
  /** A room's index entries still queued without a sequence number (`seq` 0): this device's own, waiting. */
  queued(room: string): Promise<MessageRecord[]>;
  /** The identity key pinned for a user (trust on first use). */
  identityKey(userUri: string): Promise<Uint8Array | undefined>;
  write(batch: StoreBatch): Promise<void>;
  close(): Promise<void>;
}
