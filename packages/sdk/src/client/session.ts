// The shared wiring of a signed-in device: API, store, MLS context, locks, caches. The client's modules are
// functions of a Session, so none of them owns the others.
import {
  createContext,
  type Device,
  decodeState,
  encodeState,
  type GroupState,
  type MlsContext,
  type Suite,
} from '@parley/crypto';
import { SdkError } from '../errors.js';
import type { AccountRecord, Store, StoreBatch } from '../store/types.js';
import type { ProviderApi } from '../transport/api.js';
import type { Stream } from '../transport/stream.js';
import type { Emitter } from '../util/emitter.js';
import { KeyedMutex } from '../util/mutex.js';
import { identityLookup } from './directory.js';
import type { ClientEvent } from './events.js';
import { uriOf } from './names.js';

export interface Tuning {
  /** Unclaimed KeyPackages kept on the provider. */
  keyPackageTarget: number;
  /** Top up when fewer than this are left. */
  keyPackageLow: number;
  /** Attempts of a commit that keeps losing its epoch. */
  commitAttempts: number;
}

export const DEFAULT_TUNING: Tuning = { keyPackageTarget: 20, keyPackageLow: 10, commitAttempts: 8 };

/** A commit sent whose answer has not come back: adopted if its echo arrives (the answer may have been lost). */
export interface PendingCommit {
  commit: Uint8Array;
  before: GroupState;
  state: GroupState;
}

/** Work the receive path asks for, done beside it (see online.ts). */
export type FollowUp =
  /** This device is the one to commit the room's pending proposals. */
  | { type: 'commitPending'; room: string }
  /** This device asked to leave, but the epoch moved on without its removal: ask again. */
  | { type: 'reproposeLeave'; room: string }
  /** A Welcome used up one of this device's KeyPackages. */
  | { type: 'topUpKeyPackages' }
  /** A message could not be processed for a passing reason (no network): fetch the room again later. */
  | { type: 'retryRoom'; room: string };

export interface Session {
  readonly api: ProviderApi;
  readonly store: Store;
  readonly suite: Suite;
  readonly ctx: MlsContext;
  readonly account: AccountRecord;
  readonly me: { address: string; uri: string; deviceId: string; domain: string };
  readonly device: Device;
  readonly locks: KeyedMutex;
  readonly events: Emitter<ClientEvent>;
  readonly tuning: Tuning;
  readonly pendingCommits: Map<string, PendingCommit>;
  /** Decoded group states by room, in step with the store (updated only after a write succeeded). */
  readonly groups: Map<string, GroupState>;
  readonly positions: Map<string, number>;
  stream: Stream | undefined;
  /** Fetches and processes the room's messages past this device's position (wired by client.ts). */
  catchUp: (room: string) => Promise<void>;
  /** Queues work the receive path asks for (wired by client.ts). */
  followUp: (work: FollowUp) => void;
  /** Acknowledges a processed message to the provider (wired by client.ts). */
  ack: (room: string, seq: number) => void;
  /** Runs work beside the caller; failures become `error` events. */
  background(task: () => Promise<unknown>): void;
  /** Resolves when the background work started so far has finished. */
  settled(): Promise<void>;
  closed: boolean;
}

export async function openSession(input: {
  api: ProviderApi;
  store: Store;
  suite: Suite;
  account: AccountRecord;
  events: Emitter<ClientEvent>;
  tuning?: Partial<Tuning>;
}): Promise<Session> {
  const { api, store, suite, account, events } = input;
  const ctx = createContext({ suite, lookupIdentityKey: identityLookup(api, store) });
  const domain = account.user.slice(account.user.indexOf('@') + 1);
  const tasks = new Set<Promise<unknown>>();
  const positions = new Map(Object.entries(await store.positions()));
  const session: Session = {
    api,
    store,
    suite,
    ctx,
    account,
    me: { address: account.user, uri: uriOf(account.user), deviceId: account.deviceId, domain },
    device: {
      credential: { credentialType: 'basic', identity: account.credential },
      signatureKey: account.deviceKey,
    },
    locks: new KeyedMutex(),
    events,
    tuning: { ...DEFAULT_TUNING, ...input.tuning },
    pendingCommits: new Map(),
    groups: new Map(),
    positions,
    stream: undefined,
    catchUp: async () => {},
    followUp: () => {},
    ack: () => {},
    closed: false,
    background(task) {
      if (session.closed) return;
      const run = task().catch((error: unknown) => {
        if (!session.closed)
          events.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      });
      tasks.add(run);
      run.finally(() => tasks.delete(run));
    },
    async settled() {
      while (tasks.size > 0) await Promise.all([...tasks]);
    },
  };
  return session;
}

/** The room's group state, or undefined when this device has none. */
export async function loadGroup(s: Session, room: string): Promise<GroupState | undefined> {
  const cached = s.groups.get(room);
  if (cached) return cached;
  const bytes = await s.store.group(room);
  if (!bytes) return undefined;
  const state = decodeState(s.ctx, bytes);
  s.groups.set(room, state);
  return state;
}

/** Like {@link loadGroup}, but a missing group is an error. */
export async function requireGroup(s: Session, room: string): Promise<GroupState> {
  const state = await loadGroup(s, room);
  if (!state) throw new SdkError('notInRoom', `this device is not in room ${room}`);
  return state;
}

/**
 * Writes a batch plus group states in one store transaction, then updates the caches. Group states go in as
 * objects (encoded here); `null` deletes one.
 */
export async function persist(
  s: Session,
  batch: StoreBatch,
  states: [room: string, state: GroupState | null][] = [],
): Promise<void> {
  const groups = [
    ...(batch.groups ?? []),
    ...states.map(([room, state]) => ({ room, state: state === null ? null : encodeState(state) })),
  ];
  await s.store.write(groups.length > 0 ? { ...batch, groups } : batch);
  for (const [room, state] of states) {
    if (state === null) s.groups.delete(room);
    else s.groups.set(room, state);
  }
  for (const { room } of batch.groups ?? []) s.groups.delete(room);
  for (const { room, seq } of batch.positions ?? []) {
    s.positions.set(room, Math.max(seq, s.positions.get(room) ?? 0));
  }
}
