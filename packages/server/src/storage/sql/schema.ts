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
  };
  room_members: { room_id: string; handle: string; role: string; joined_seq: number };
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
}
