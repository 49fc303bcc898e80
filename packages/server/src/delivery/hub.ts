/**
 * The room hub of this provider: the one path by which payloads enter a room. It stores first (the storage call
 * returns only after a durable commit) and only then announces the message to connected devices, so nothing is
 * pushed that a crash could take back.
 */
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Storage, StoredMessage } from '../storage/types.js';

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

  /** Resolves once every submit under way has finished (graceful shutdown waits for this). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  submit(input: SubmitInput) {
    const work = this.store(input);
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
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
