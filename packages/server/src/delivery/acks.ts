/**
 * Acknowledgements of every stream of this provider, written together: whatever arrived within one tick
 * (50 ms) becomes one transaction for all devices. A message to a room of hundreds of devices is acknowledged by
 * all of them at about the same moment; one commit each would cost far more than delivering it.
 * A lost acknowledgement only means a message is sent again, so nothing waits for these writes but shutdown.
 */
import type { Storage } from '../storage/types.js';

const TICK_MS = 50;

export class AckWriter {
  private pending = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(deviceId: string, acks: { room: string; seq: number }[]): void {
    let rooms = this.pending.get(deviceId);
    if (!rooms) {
      rooms = new Map();
      this.pending.set(deviceId, rooms);
    }
    for (const { room, seq } of acks) rooms.set(room, Math.max(seq, rooms.get(room) ?? 0));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, TICK_MS);
  }

  /** Writes everything added so far; resolves once it is written (or failed and was reported). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) {
      const batch = [...this.pending].map(([deviceId, rooms]) => ({
        deviceId,
        acks: [...rooms].map(([room, seq]) => ({ room, seq })),
      }));
      this.pending = new Map();
      this.written = this.written
        .then(() => this.storage.rooms.ackMany(batch))
        .catch((error) => this.onError(error));
    }
    return this.written;
  }
}
