/**
 * One authenticated WebSocket of one device. It keeps, per room, the last sequence it has sent, so that live
 * pushes and catch-up reads never overlap: a live message that follows the last one sent goes straight out; any
 * gap (or a room not yet seen) is filled from storage by the pump, in order.
 */
import type { Socket } from 'node:net';
import type { ServerFrame } from '@parley/protocol';
import type { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import type { Storage, StoredMessage } from '../storage/types.js';
import type { AckWriter } from './acks.js';
import { messageFrame } from './views.js';

const PAGE = 256;
/** Stop reading from storage while this much is queued in the socket. */
const HIGH_WATER_BYTES = 1024 * 1024;

/** A message's frame, serialised once however many devices it goes to (the hub hands them all one object). */
const frames = new WeakMap<StoredMessage, string>();
function frameOf(domain: string, message: StoredMessage): string {
  let text = frames.get(message);
  if (text === undefined) {
    text = messageFrame(domain, message);
    frames.set(message, text);
  }
  return text;
}

export class DeviceStream {
  private readonly sent = new Map<string, number>();
  private pumping = false;
  private again = false;
  private closed = false;
  private corked = false;
  /** Whether the device answered the last heartbeat ping or sent anything since (see StreamRegistry.heartbeat). */
  heard = true;

  constructor(
    readonly socket: WebSocket,
    readonly deviceId: string,
    readonly handle: string,
    private readonly domain: string,
    private readonly storage: Storage,
    private readonly metrics: Metrics,
    private readonly onError: (error: unknown) => void,
    private readonly acks: AckWriter,
    since: Record<string, number> = {},
  ) {
    for (const [room, seq] of Object.entries(since)) this.sent.set(room, seq);
  }

  send(frame: ServerFrame, done?: () => void): void {
    if (this.closed) return;
    this.write(JSON.stringify(frame), done);
  }

  /**
   * Frames written in one turn of the event loop leave in one system call: the socket is corked at the turn's
   * first frame and uncorked once the turn's I/O is done (a group commit answers and pushes many at once).
   */
  private write(text: string, done: (() => void) | undefined): void {
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    if (raw && !this.corked) {
      this.corked = true;
      raw.cork();
      setImmediate(() => {
        this.corked = false;
        raw.uncork();
      });
    }
    this.socket.send(text, done && (() => done()));
  }

  /**
   * A message this stream submitted was stored. If the stream is up to date in its room, the `submitted`
   * answer takes the message's place in the stream (`inPlace`: the device has it and acknowledges its seq like
   * a message's) and the message is not sent back. Otherwise the message comes in order like any other and
   * the answer follows apart; answers false then.
   */
  answer(ref: number, message: StoredMessage): boolean {
    if (this.closed) return false;
    const last = this.sent.get(message.room);
    if (this.pumping || last !== message.seq - 1 || this.socket.bufferedAmount >= HIGH_WATER_BYTES) {
      this.deliver(message);
      return false;
    }
    this.sent.set(message.room, message.seq);
    this.submitted(ref, message, false, true);
    return true;
  }

  /** The answer to a stream submit; `inPlace` when it stands for the message in the stream (see `answer`). */
  submitted(ref: number, message: StoredMessage, duplicate: boolean, inPlace = false): void {
    this.send({
      type: 'submitted',
      ref,
      room: message.room,
      seq: message.seq,
      ts: message.ts,
      duplicate,
      inPlace,
    });
  }

  /** A message was stored in one of this device's rooms. */
  deliver(message: StoredMessage): void {
    if (this.closed) return;
    const last = this.sent.get(message.room);
    if (message.toDevice !== null && message.toDevice !== this.deviceId) {
      // A Welcome for another device: nothing to send, but the position moves past it.
      if (last === message.seq - 1) this.sent.set(message.room, message.seq);
      return;
    }
    if (!this.pumping && last === message.seq - 1 && this.socket.bufferedAmount < HIGH_WATER_BYTES) {
      this.push(message);
      return;
    }
    if (last !== undefined && last >= message.seq) return;
    this.pump();
  }

  private push(message: StoredMessage, done?: () => void): void {
    this.sent.set(message.room, message.seq);
    if (!this.closed) this.write(frameOf(this.domain, message), done);
    this.metrics.pushed.inc();
  }

  /** Sends everything past this stream's positions, room by room, oldest first. Re-runs if woken meanwhile. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.drain()
      .catch((error) => this.onError(error))
      .finally(() => {
        // Whatever arrived after the drain's last look is picked up here: no window in which a wake-up is lost.
        this.pumping = false;
        if (this.again && !this.closed) this.pump();
      });
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (const pending of await this.storage.rooms.pending(this.deviceId)) {
        let position = Math.max(this.sent.get(pending.room) ?? 0, pending.cursor);
        while (!this.closed && position < pending.lastSeq) {
          const read = await this.storage.rooms.read(
            pending.room,
            this.handle,
            position,
            PAGE,
            this.deviceId,
          );
          if (!read.ok || read.messages.length === 0) break;
          for (const message of read.messages) {
            if (this.socket.bufferedAmount >= HIGH_WATER_BYTES) {
              await new Promise<void>((resolve) => this.push(message, resolve));
            } else {
              this.push(message);
            }
          }
          position = read.messages.at(-1)!.seq;
        }
        if (!this.sent.has(pending.room)) this.sent.set(pending.room, position);
      }
    } while (this.again && !this.closed);
  }

  /** Acknowledgements are written with every other stream's, at most every 50 ms (a lost one only means a resend). */
  ack(acks: { room: string; seq: number }[]): void {
    this.acks.add(this.deviceId, acks);
  }

  flushAcks(): Promise<void> {
    return this.acks.flush();
  }

  /** Stops pushing; pending acknowledgements are still written. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushAcks();
  }
}
