// A profile is one device: DIR/profile.db (the SDK's SqliteStore: keys, group states, message index), DIR/lock
// while a command runs, and DIR/pending.jsonl (events waiting for `sync`). Every client command opens it here,
// works with its ParleyClient and closes it, even on failure.
import { chmodSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParleyClient } from '@parley/sdk';
import { nodeEnvironment, SqliteStore } from '@parley/sdk/node';
import { CliError } from './errors.js';
import { errorText, type Printable } from './events.js';
import { Journal } from './journal.js';
import { type LockOptions, lockProfile } from './lock.js';
import type { Output } from './output.js';

export interface Profile {
  readonly dir: string;
  readonly client: ParleyClient;
  /** The client's store, for look-ups the client does not offer (a message's room). */
  readonly store: SqliteStore;
  readonly journal: Journal;
  /** Resolves once another command waits for this profile (a `sync --follow` then steps aside). */
  wanted(): Promise<void>;
  /** Where received events go: by default into the journal, for the next `sync` (which prints them instead). */
  sink: (event: Printable) => void;
}

export interface OpenOptions {
  /** register and login make the profile; every other command needs one. */
  create?: boolean;
  /** Keep looking for this user's new devices while running (long-running `sync --follow`). */
  longRunning?: boolean;
  lock?: LockOptions;
}

/** Waits for `work`, but no longer than `ms`. */
async function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((done) => {
    timer = setTimeout(done, ms);
  });
  await Promise.race([work.catch(() => {}), late]);
  clearTimeout(timer);
}

function ownEvent(client: ParleyClient, event: Printable): boolean {
  // What this device did itself is no news to it (a bot must not read its own messages back).
  if (!('device' in event)) return false;
  try {
    return event.device === client.deviceId && event.sender === client.user;
  } catch {
    return false; // signed out already (an event that came in while closing)
  }
}

/**
 * Opens the profile in `dir`, runs `work` with it and closes it (the client stopped, the store closed, the lock
 * released).
 *
 * @example
 * await withProfile(dir, out, {}, async (p) => { await online(p); await p.client.send(room, 'hi'); });
 */
export async function withProfile<T>(
  dirArg: string,
  out: Output,
  options: OpenOptions,
  work: (profile: Profile) => Promise<T>,
): Promise<T> {
  const dir = resolve(dirArg);
  const path = join(dir, 'profile.db');
  const existed = existsSync(path);
  const dirExisted = existsSync(dir);
  if (!existed && !options.create)
    throw new CliError('noProfile', `no profile in ${dir}: run "parley register" or "parley login" first`);
  if (!dirExisted) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = await lockProfile(dir, options.lock);
  let store: SqliteStore | undefined;
  let client: ParleyClient | undefined;
  let ok = false;
  try {
    store = SqliteStore.open(path);
    chmodSync(path, 0o600);
    client = new ParleyClient({
      store,
      ...(await nodeEnvironment()),
      deviceCheckIntervalMs: options.longRunning ? 60_000 : 0,
    });
    const journal = new Journal(dir);
    const profile: Profile = {
      dir,
      client,
      store,
      journal,
      wanted: lock.wanted,
      sink: (e) => journal.append(e),
    };
    const c = client;
    client.on('*', (event) => {
      if (event.type === 'error') out.warn(errorText(event));
      else if (!ownEvent(c, event)) profile.sink(event);
    });
    const result = await work(profile);
    ok = true;
    return result;
  } finally {
    if (client) await bounded(client.close(), 5000);
    // A profile this command made and left without an account (a failed register or login) is removed again.
    const discard = !ok && !existed && !(await store?.account().catch(() => undefined));
    await store?.close();
    if (discard) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      rmSync(join(dir, 'pending.jsonl'), { force: true });
    }
    lock.release();
    if (discard && !dirExisted && readdirSync(dir).length === 0) rmdirSync(dir);
  }
}

/** Opens the account kept in the profile; `notSignedIn` when there is none. */
export async function signedIn(p: Profile): Promise<void> {
  if (!(await p.client.resume()))
    throw new CliError(
      'notSignedIn',
      `no account in ${p.dir}: run "parley register" or "parley login" first`,
    );
}

/** Signs in from the profile and goes online: missed messages are processed (their events kept for `sync`). */
export async function online(p: Profile): Promise<void> {
  await signedIn(p);
  await p.client.start();
}
