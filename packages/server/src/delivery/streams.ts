/**
 * Every open device stream of this provider, indexed by user, fed by the hub.
 */

import type { Storage } from '../storage/types.js';
import { AckWriter } from './acks.js';
import type { DeviceStream } from './deviceStream.js';
import type { Hub } from './hub.js';

export class StreamRegistry {
  private readonly byUser = new Map<string, Set<DeviceStream>>();
  private beat: NodeJS.Timeout | undefined;
  /** Every stream's acknowledgements, written together. */
  readonly acks: AckWriter;

  constructor(hub: Hub, storage: Storage, onError: (error: unknown) => void) {
    this.acks = new AckWriter(storage, onError);
    hub.onMessage((message, members, origin) => {
      for (const handle of members) {
        const streams = this.byUser.get(handle);
        if (!streams) continue;
        // The stream that submitted the message is answered instead of sent it back (DeviceStream.answer).
        for (const stream of streams) {
          if (stream === origin?.stream) origin.answer(message);
          else stream.deliver(message);
        }
      }
    });
  }

  add(stream: DeviceStream): void {
    let streams = this.byUser.get(stream.handle);
    if (!streams) {
      streams = new Set();
      this.byUser.set(stream.handle, streams);
    }
    streams.add(stream);
  }

  remove(stream: DeviceStream): void {
    const streams = this.byUser.get(stream.handle);
    streams?.delete(stream);
    if (streams?.size === 0) this.byUser.delete(stream.handle);
  }

  /**
   * Pings every stream every `everyMs` and cuts those that did not answer the ping before (nor send anything):
   * a device that vanished (a phone that lost its network) leaves a socket that looks open for many minutes, and
   * its stream would hold memory and be pushed to for nothing. Browsers and the `ws` package answer pings by
   * themselves. Cut, the device reconnects and resumes from its cursor: nothing is lost.
   */
  heartbeat(everyMs: number): void {
    clearInterval(this.beat);
    this.beat = setInterval(() => {
      for (const set of this.byUser.values()) {
        for (const stream of set) {
          if (!stream.heard) {
            stream.socket.terminate();
            continue;
          }
          stream.heard = false;
          stream.socket.ping();
        }
      }
    }, everyMs);
    this.beat.unref();
  }

  stop(): void {
    clearInterval(this.beat);
    this.beat = undefined;
  }

  /** A room gained members or a device was added: their streams look for what they now should have. */
  wake(handles: Iterable<string>): void {
    for (const handle of handles) for (const stream of this.byUser.get(handle) ?? []) stream.pump();
  }

  ofDevice(deviceId: string): DeviceStream[] {
    return [...this.byUser.values()].flatMap((set) => [...set].filter((s) => s.deviceId === deviceId));
  }

  all(): DeviceStream[] {
    return [...this.byUser.values()].flatMap((set) => [...set]);
  }

  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }
}
