// parley sync: prints what arrived since the last sync — first the events other commands kept (journal.ts), then
// what catching up brings — and exits. With --follow it keeps streaming until --timeout or SIGINT/SIGTERM, then
// closes cleanly and exits 0; when another command waits for the profile (a bot's `parley reply`), it closes,
// lets that command run and opens the profile again (what arrived meanwhile is kept for it by the journal).
import { flag, noPositionals, required, seconds } from '../client/args.js';
import type { Command } from '../client/command.js';
import { CliError } from '../client/errors.js';
import { eventLine, eventText, type Printable } from '../client/events.js';
import { othersServed } from '../client/lock.js';
import type { Output } from '../client/output.js';
import { type Profile, signedIn, withProfile } from '../client/profile.js';

/** Aborts on SIGINT, SIGTERM or after `timeout` seconds; a second signal ends the process the default way. */
function stopSignal(timeout: number | undefined): {
  signal: AbortSignal;
  stopped: Promise<void>;
  dispose(): void;
} {
  const controller = new AbortController();
  const stop = () => controller.abort();
  const stopped = new Promise<void>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve()),
  );
  const timer = timeout === undefined ? undefined : setTimeout(stop, timeout * 1000);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    stopped,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** `work`, failing with `timeout` when it takes longer than `limit` seconds. */
async function within<T>(work: Promise<T>, limit: number | undefined): Promise<T> {
  if (limit === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError('timeout', `sync did not finish in ${limit}s`)),
      limit * 1000,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Prints the events kept since the last sync, then sends every new one to the output too. */
async function printing(p: Profile, out: Output): Promise<void> {
  await signedIn(p);
  const print = (e: Printable) => out.print(eventLine(e), eventText(e));
  for (const e of p.journal.read()) print(e);
  p.journal.clear();
  p.sink = print;
}

async function follow(dir: string, out: Output, timeout: number | undefined): Promise<void> {
  const stop = stopSignal(timeout);
  try {
    for (let first = true; !stop.signal.aborted; first = false) {
      // Never asks another command to step aside (a second follower fails as busy); takes its profile back
      // however long the command it stepped aside for takes.
      const lock = { signal: stop.signal, ask: false, ...(first ? {} : { waitMs: Infinity }) };
      const stepAside = await withProfile(dir, out, { longRunning: true, lock }, async (p) => {
        await printing(p, out);
        await p.client.start();
        return Promise.race([stop.stopped.then(() => false), p.wanted().then(() => true)]);
      });
      if (!stepAside) return;
      await othersServed(dir, stop.signal);
    }
  } catch (error) {
    if (!(error instanceof CliError && error.code === 'stopped')) throw error;
  } finally {
    stop.dispose();
  }
}

const sync: Command = {
  usage: 'parley sync --profile DIR [--follow] [--timeout SECONDS] [--json]',
  options: { follow: { type: 'boolean' }, timeout: { type: 'string' } },
  async run({ values, positionals, out }) {
    noPositionals(positionals);
    const dir = required(values, 'profile');
    const timeout = seconds(values, 'timeout');
    if (flag(values, 'follow')) return follow(dir, out, timeout);
    await withProfile(dir, out, {}, async (p) => {
      await printing(p, out);
      await within(
        p.client.start().then(() => p.client.idle()),
        timeout,
      );
    });
  },
};

export const syncCommands: Record<string, Command> = { sync };
