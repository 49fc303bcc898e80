// Events received by commands other than `sync` (sending catches up on the room first, logging in joins rooms)
// are kept in DIR/pending.jsonl until the next `sync` prints them: processing a message moves the device's
// position for good, so an event not kept here would never be shown.
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Printable } from './events.js';

export class Journal {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'pending.jsonl');
  }

  append(event: Printable): void {
    appendFileSync(this.path, `${JSON.stringify(event)}\n`, { mode: 0o600 });
  }

  /** The events kept so far, oldest first. */
  read(): Printable[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Printable];
        } catch {
          return []; // a line cut short by a crash
        }
      });
  }

  /** Forgets the events read: call once they were printed. */
  clear(): void {
    rmSync(this.path, { force: true });
  }
}
