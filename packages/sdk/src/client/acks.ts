// Acknowledgements of processed messages, coalesced per room and sent at most every 50 ms: over the stream when
// it is open, else over HTTP. A lost acknowledgement only means a message is offered again (and skipped).
import type { Session } from './session.js';

const FLUSH_MS = 50;

export class Acks {
  private readonly pending = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly s: Session) {}

  add(room: string, seq: number): void {
    this.pending.set(room, Math.max(seq, this.pending.get(room) ?? 0));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.s.background(() => this.flush());
    }, FLUSH_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const acks = [...this.pending].map(([room, seq]) => ({ room, seq }));
    this.pending.clear();
    if (!this.s.stream?.ack(acks)) await this.s.api.ack(acks);
  }
}
