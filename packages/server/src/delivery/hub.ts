/**
 * The room hub of this provider: the one path by which payloads enter a room. It stores first (the storage call
 * returns only after a durable commit) and only then announces the message to connected devices, so nothing is
 * pushed that a crash could take back.
 */
import type { MlsContext } from '@parley/crypto';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Storage, StoredMessage } from '../storage/types.js';
import { checkSubmission, type HandshakeSubmission } from './handshakes.js';

export interface SubmitInput {
  room: string;
  handle: string;
  deviceId: string;
  payload: Uint8Array;
  clientId?: string;
}

export type MessageListener = (message: StoredMessage, members: ReadonlySet<string>) => void;

export class Hub {
  private readonly members = new Map<string, Promise<ReadonlySet<string>>>();
  private readonly listeners = new Set<MessageListener>();
  private readonly inFlight = new Set<Promise<unknown>>();

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

  /**
   * Checks and stores a commit or proposal of an encrypted room (see handshakes.ts), then tells old and new
   * members' devices. Throws `staleEpoch` when another commit won the epoch first.
   */
  handshake(mls: MlsContext, domain: string, input: HandshakeSubmission) {
    return this.track(this.storeHandshake(mls, domain, input));
  }

  private async storeHandshake(mls: MlsContext, domain: string, input: HandshakeSubmission) {
    const checked = await checkSubmission(mls, this.storage, domain, input);
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
      throw new ApiError('noSuchRoom', 'There is no such room.');
    }
    this.membershipChanged(input.room);
    const audience = new Set([...before, ...result.members.map((m) => m.handle)]);
    this.metrics.submitted.inc(result.messages.length);
    for (const message of result.messages) for (const listener of this.listeners) listener(message, audience);
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

  submit(input: SubmitInput) {
    return this.track(this.store(input));
  }

  private async store(input: SubmitInput) {
    const result = await this.storage.rooms.append({
      room: input.room,
      sender: input.handle,
      device: input.deviceId,
      clientId: input.clientId,
      payload: input.payload,
      ts: this.now(),
    });
    if (!result.ok) {
      throw result.reason === 'noSuchRoom'
        ? new ApiError('noSuchRoom', 'There is no such room.')
        : new ApiError('notMember', 'Only members of a room can send to it.');
    }
    if (!result.duplicate) {
      this.metrics.submitted.inc();
      const members = await this.membersOf(input.room);
      for (const listener of this.listeners) listener(result.message, members);
    }
    return result;
  }
}
