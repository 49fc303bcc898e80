/**
 * Every open device stream of this provider, indexed by user, fed by the hub.
 */

import type { Storage } from '../storage/types.js';
import { AckWriter } from './acks.js';
import type { DeviceStream } from './deviceStream.js';
import type { Hub } from './hub.js';

export class StreamRegistry {
  private readonly byUser = new Map<string, Set<DeviceStream>>();
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
