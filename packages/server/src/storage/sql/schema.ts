/**
 * The relational schema shared by the SQLite and PostgreSQL backends (their migrations create it).
 * Times are milliseconds since the epoch; sequences are 64-bit integers read as numbers.
 */
import type { Generated } from 'kysely';

export interface Database {
  users: { handle: string; password_hash: string; created_at: number; identity_key: Uint8Array | null };
  devices: {
    id: string;
    handle: string;
    name: string;
    token_hash: string;
    created_at: number;
    last_seen_at: number | null;
  };
  rooms: {
    id: string;
    kind: string;
    creator: string;
    last_seq: number;
    created_at: number;
    encrypted: number;
    epoch: number;
    group_info: Uint8Array | null;
    /** The providing hub's domain; null when this provider is the room's hub. */
    hub: string | null;
    /** With the hub's domain, hashes to the room id: what lets a follower check who may be the hub. */
    salt: string | null;
  };
  /** `handle` is a local handle or, for a user of another provider, a full address (`bob@b.example`). */
  room_members: {
    room_id: string;
    handle: string;
    role: string;
    joined_seq: number;
    /** 1 while the member's provider holds the room in the member's Requests. */
    pending: Generated<number>;
    invited_by: string | null;
  };
  device_cursors: { device_id: string; room_id: string; seq: number };
  room_departures: { room_id: string; handle: string; joined_seq: number; left_seq: number };
  messages: {
    room_id: string;
    seq: number;
    sender: string;
    device_id: string;
    client_id: string | null;
    kind: string;
    to_device: string | null;
    payload: Uint8Array;
    ts: number;
    /** With `to_device`: the member the device belongs to (a Welcome is routed to that member's provider). */
    to_user: string | null;
    /** A commit's room state after it (JSON of `RoomState`), for followers. */
    state: string | null;
  };
  key_packages: { id: Generated<number>; device_id: string; data: Uint8Array; created_at: number };
  last_resort_key_packages: { device_id: string; data: Uint8Array; created_at: number };
  provider_keys: {
    keyid: string;
    private_jwk: string;
    public_jwk: string;
    created_at: number;
    not_after: number;
  };
  outbox: {
    id: Generated<number>;
    destination: string;
    kind: string;
    room_id: string | null;
    seq: number | null;
    /** A notify run's last sequence number; null for one message. */
    seq_end: number | null;
    device_id: string | null;
    body: Uint8Array | null;
    created_at: number;
    attempts: Generated<number>;
  };
  federation_inbox: { origin: string; txn: string; received_at: number };
  consent: { owner: string; peer: string; state: string; updated_at: number };
  undelivered: { device_id: string; room_id: string; client_id: string; reason: string; at: number };
  abuse_reports: {
    id: Generated<number>;
    room_id: string;
    seq: number;
    reporter: string;
    reason: string;
    at: number;
  };
  attachments: { id: string; owner: string; size: number; data: Uint8Array; created_at: number };
}
