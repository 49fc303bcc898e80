// The shape of what the app shows. Everything here is derived from the SDK's store and events (or the app's own
// small database); components read it, the modules under state/ change it.
import type { ContactRequest, HistoryEntry, RoomKind, RoomRecord } from '@parley/sdk';

/** Who this provider is (`GET /v1/provider`): its domain and branding. */
export interface ProviderInfo {
  domain: string;
  name: string;
  accent: string;
  logo: string;
  /** The largest attachment the provider accepts, when it says (ciphertext: 16 octets over the file). */
  maxAttachmentBytes?: number;
}

/** One conversation in the list. */
export interface RoomSummary {
  id: string;
  kind: RoomKind;
  /** The group's name, or the other person's address for a direct chat. */
  title: string;
  members: string[];
  active: boolean;
  last?: { text: string; sender: string; ts: number };
  unread: number;
  /** For sorting: the latest message's time (the largest number while there is none). */
  lastTs: number;
}

/** A message this device has not handed to its provider yet (the provider did not answer). */
export interface OutboxItem {
  localId: string;
  room: string;
  text: string;
  replyTo?: string;
  file?: { data: Uint8Array; name: string; type: string };
  createdAt: number;
  /** Set when sending failed for a reason retrying cannot fix. */
  failed?: string;
}

/** `elsewhere`: another tab of this browser runs this device; this one waits for it to close. */
export type Phase = 'loading' | 'elsewhere' | 'signedOut' | 'ready';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
}

export interface AppState {
  phase: Phase;
  provider: ProviderInfo;
  /** `alice@a.example` once signed in. */
  me?: string;
  deviceId?: string;
  /** False while this device's provider cannot be reached. */
  online: boolean;
  /** The rooms this device knows, by id, as the SDK's store has them. */
  rooms: Record<string, RoomRecord>;
  histories: Record<string, HistoryEntry[]>;
  requests: ContactRequest[];
  outbox: OutboxItem[];
  /** room → user → until when (ms) they are shown as typing. */
  typing: Record<string, Record<string, number>>;
  /** room → user → the highest `seq` they have read. */
  receipts: Record<string, Record<string, number>>;
  /** room → the highest `seq` this user has read. */
  lastRead: Record<string, number>;
  /** user → the safety number they were verified with. */
  verified: Record<string, string>;
  notice?: Notice;
}
