/**
 * The room hub of this provider: the one path by which payloads enter a room. It stores first and only once the
 * commit is on the disk answers the sender and announces the message to connected devices and other providers,
 * so nothing leaves that a crash could take back (the outbox may prepare a transaction meanwhile: `commit`).
 */
import type { MlsContext } from '@parley/crypto';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AppendInput, AppendResult, Storage, StoredMessage } from '../storage/types.js';
import { checkSubmission, type HandshakeSubmission, type PeerUsers } from './handshakes.js';

export interface SubmitInput {
  room: string;
  handle: string;
  deviceId: string;
  payload: Uint8Array;
  clientId?: string;
  /** The device stream the submit came over, if any: it is answered in place of its echo (see streams.ts). */
  origin?: SubmitOrigin;
}

/** A stream submit: the stream it came over, and how that stream is told the message was stored. */
export interface SubmitOrigin {
  stream: unknown;
  answer: (message: StoredMessage) => void;
}

/** Submits written in one group commit at most. */
const MAX_GROUP = 128;
/** Group commits written or waiting for the disk at once. */
const BATCHES_IN_FLIGHT = 2;

/** A group commit's answer to one submit, and whether `forward` already handed its message to the outbox. */
interface Committed {
  result: AppendResult;
  handedOver: boolean;
}

export type MessageListener = (
  message: StoredMessage,
  members: ReadonlySet<string>,
  origin?: SubmitOrigin,
) => void;

/** The providers (other than this one) with a member among `members`, and those a Welcome is addressed to. */
function peersOf(members: Iterable<string>, messages: StoredMessage[]): Set<string> {
  const domains = new Set<string>();
  for (const m of members) if (m.includes('@')) domains.add(m.slice(m.indexOf('@') + 1));
  for (const m of messages)
    if (m.toUser?.includes('@')) domains.add(m.toUser.slice(m.toUser.indexOf('@') + 1));
  return domains;
}

export class Hub {
  private readonly members = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly listeners = new Set<MessageListener>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly hubs = new Map<string, string | null>();
  /** Submits waiting for the next group commit, and whether one is being written now. */
  private queue: { input: AppendInput; done: (c: Committed) => void; fail: (e: unknown) => void }[] = [];
  private writing = 0;
  private scheduled = false;
  /** Told which peers were just owed something (the outbox sends it). */
  peersOwed: (domains: Iterable<string>) => void = () => {};
  /** Told of each message submitted here once it is stored, and the peers owed it (the outbox keeps it to send). */
  stored: (message: StoredMessage, peers: ReadonlySet<string>) => void = () => {};

  constructor(
    private readonly storage: Storage,
    private readonly metrics: Metrics,
    private readonly now: () => number,
  ) {}

  onMessage(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Current member handles of a room, cached until membership changes. */
  membersOf(roomId: string): Promise<ReadonlySet<string>> {
    let cached = this.members.get(roomId);
    if (!cached) {
      cached = this.storage.rooms.getRoom(roomId).then((r) => new Set(r?.members.map((m) => m.handle)));
      this.members.set(roomId, cached);
      cached.catch(() => this.members.delete(roomId));
    }
    return cached;
  }

  membershipChanged(roomId: string): void {
    this.members.delete(roomId);
  }

  /** The room's hub: null when it is this provider, undefined when there is no such room here. */
  async hubOf(roomId: string): Promise<string | null | undefined> {
    if (this.hubs.has(roomId)) return this.hubs.get(roomId);
    const found = await this.storage.rooms.getRoom(roomId);
    if (found) this.hubs.set(roomId, found.room.hub);
    return found?.room.hub;
  }

  /** A message stored by another path (a hub's notify): tells the listeners, like one submitted here. */
  announce(message: StoredMessage, audience: ReadonlySet<string>): void {
    if (message.state) this.membershipChanged(message.room);
    for (const listener of this.listeners) listener(message, audience);
  }

  /**
   * Checks and stores a commit or proposal of an encrypted room (see handshakes.ts), then tells old and new
   * members' devices. Throws `staleEpoch` when another commit won the epoch first.
   */
  handshake(mls: MlsContext, domain: string, input: HandshakeSubmission, peers?: PeerUsers) {
    return this.track(this.storeHandshake(mls, domain, input, peers));
  }

  private async storeHandshake(
    mls: MlsContext,
    domain: string,
    input: HandshakeSubmission,
    peers: PeerUsers | undefined,
  ) {
    const checked = await checkSubmission(mls, this.storage, domain, input, peers);
    const before = await this.membersOf(input.room);
    const result = await this.storage.rooms.applyHandshake({
      room: input.room,
      sender: input.handle,
      device: input.deviceId,
      kind: input.kind,
      payload: input.message,
      ts: this.now(),
      epoch: checked.epoch,
      ...(checked.next ? { next: checked.next } : {}),
      ...(checked.welcome ? { welcome: checked.welcome } : {}),
    });
    if (!result.ok) {
      if (result.reason === 'staleEpoch') {
        throw new ApiError('staleEpoch', 'Another commit took this epoch first: process it, then retry.');
      }
      if (result.reason === 'notHub') throw new ApiError('forbidden', 'Another provider orders this room.');
      throw new ApiError('noSuchRoom', 'There is no such room.');
    }
    this.membershipChanged(input.room);
    const audience = new Set([...before, ...result.members.map((m) => m.handle)]);
    this.metrics.submitted.inc(result.messages.length);
    for (const message of result.messages) for (const listener of this.listeners) listener(message, audience);
    this.peersOwed(peersOf(audience, result.messages));
    return { ...result, added: checked.next?.addUsers ?? [] };
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Resolves once every submit under way has finished (graceful shutdown waits for this). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Group commit: submits are queued and written together, up to MAX_GROUP in one transaction (one flush of
   * the disk for all of them). Each is answered only after its transaction is durable. A batch is taken one
   * turn of the event loop after the first submit is queued (SQLite commits synchronously: without that turn,
   * no request that arrived during a commit would have been read yet, and every batch would hold one submit).
   * While one batch waits for the disk the next may already be written (BATCHES_IN_FLIGHT): the storage
   * flushes them in order, so they are answered in order.
   * The storage answers once the batch is committed, while the disk still flushes it (`flushLater`): the
   * batch's messages go to the outbox at once, so that the lane reads, builds and signs their transaction
   * meanwhile; it sends it only after the flush (outbox.ts), and the submitters are answered after it too.
   */
  private commit(input: AppendInput): Promise<Committed> {
    return new Promise((done, fail) => {
      this.queue.push({ input, done, fail });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing >= BATCHES_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.write();
    });
  }

  private async write(): Promise<void> {
    const batch = this.queue.splice(0, MAX_GROUP);
    if (batch.length === 0) return;
    this.writing += 1;
    // The next batch gathers while this one is written and flushed.
    this.schedule();
    try {
      const results = await this.storage.rooms.appendMany(
        batch.map((b) => b.input),
        { flushLater: true },
      );
      const handedOver = await this.forward(results);
      await this.storage.flushed();
      for (const [i, b] of batch.entries()) b.done({ result: results[i]!, handedOver });
    } catch (error) {
      if (batch.length === 1) batch[0]!.fail(error);
      // One bad submit must not fail its neighbours: each is tried again alone.
      else
        for (const b of batch)
          this.storage.rooms.append(b.input).then((result) => b.done({ result, handedOver: false }), b.fail);
    } finally {
      this.writing -= 1;
      this.schedule();
    }
  }

  /**
   * Hands a group commit's new messages to the outbox before they are on the disk (see `commit`); what it
   * could not hand over (a failed read of the room's members) `store` hands over afterwards. Whether it did is
   * told with each result (`Committed`), not kept per message: a WeakSet of every message stored here grew and
   * shrank with each group commit in the old generation, and made work for every collection.
   */
  private async forward(results: AppendResult[]): Promise<boolean> {
    const fresh: StoredMessage[] = [];
    for (const r of results) if (r.ok && !r.duplicate) fresh.push(r.message);
    if (fresh.length === 0) return true;
    const peersByRoom = new Map<string, Set<string>>();
    try {
      for (const m of fresh)
        if (!peersByRoom.has(m.room)) peersByRoom.set(m.room, peersOf(await this.membersOf(m.room), []));
    } catch {
      return false;
    }
    for (const message of fresh) this.stored(message, peersByRoom.get(message.room)!);
    for (const peers of peersByRoom.values()) this.peersOwed(peers);
    return true;
  }

  submit(input: SubmitInput) {
    return this.track(this.store(input));
  }

  private async store(input: SubmitInput) {
    const { result, handedOver } = await this.commit({
      room: input.room,
      sender: input.handle,
      device: input.deviceId,
      clientId: input.clientId,
      payload: input.payload,
      ts: this.now(),
    });
    if (!result.ok) {
      if (result.reason === 'notHub') throw new ApiError('forbidden', 'Another provider orders this room.');
      throw result.reason === 'noSuchRoom'
        ? new ApiError('noSuchRoom', 'There is no such room.')
        : new ApiError('notMember', 'Only members of a room can send to it.');
    }
    if (!result.duplicate) {
      this.metrics.submitted.inc();
      const members = await this.membersOf(input.room);
      if (!handedOver) {
        // Other providers first: their transaction is under way while this one pushes to its own devices.
        const peers = peersOf(members, []);
        this.stored(result.message, peers);
        this.peersOwed(peers);
      }
      for (const listener of this.listeners) listener(result.message, members, input.origin);
    }
    return result;
  }
}
