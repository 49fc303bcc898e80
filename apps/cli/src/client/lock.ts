// One process per profile. Two processes on one store would each cache the MLS group states and fork them (and
// could reuse a ratchet key), so a command takes DIR/lock (created exclusively, holding its PID); a lock whose
// process is gone is taken over. A command that finds the profile busy says so in DIR/lock.want.PID and waits:
// a long-running `sync --follow` sees that, steps aside and takes the profile back afterwards, so a bot can
// answer with `parley reply` while its `sync --follow` runs.
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './errors.js';

const WAIT_MS = 15_000;
const POLL_MS = 100;

export interface ProfileLock {
  release(): void;
  /** Resolves once another command waits for the profile (checked every few hundred milliseconds). */
  wanted(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a busy profile (ms); default 15 s. */
  waitMs?: number;
  /** Gives up waiting (with code `stopped`) once aborted. */
  signal?: AbortSignal;
  /** Whether to ask the holder to step aside (false for a `sync --follow` taking its profile back). */
  ask?: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | 'gone' | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    // Empty: its owner is between creating and writing it, or died there.
    return Date.now() - statSync(path).mtimeMs > 5000 ? undefined : process.pid;
  } catch {
    return 'gone';
  }
}

/** The live processes waiting for the profile in `dir` (stale requests are removed). */
function waiters(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(dir)) {
    const match = /^lock\.want\.(\d+)$/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && alive(pid)) pids.push(pid);
    else if (pid !== process.pid) rmSync(join(dir, name), { force: true });
  }
  return pids;
}

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the profile's lock, waiting while another command holds it. */
export async function lockProfile(dir: string, options: LockOptions = {}): Promise<ProfileLock> {
  const path = join(dir, 'lock');
  const want = join(dir, `lock.want.${process.pid}`);
  const deadline = Date.now() + (options.waitMs ?? WAIT_MS);
  try {
    while (!tryLock(path)) {
      const pid = holder(path);
      if (pid === 'gone') continue;
      if (pid === undefined || !alive(pid)) {
        rmSync(path, { force: true });
        continue;
      }
      if (options.signal?.aborted) throw new CliError('stopped', 'stopped while waiting for the profile');
      if (Date.now() > deadline)
        throw new CliError(
          'profileBusy',
          `profile ${dir} is in use by another parley command (pid ${pid}); if none runs, delete ${path}`,
        );
      if (options.ask !== false) writeFileOnce(want);
      await sleep(POLL_MS);
    }
  } finally {
    rmSync(want, { force: true });
  }
  let timer: NodeJS.Timeout | undefined;
  return {
    release: () => {
      clearInterval(timer);
      if (holder(path) === process.pid) unlinkSync(path);
    },
    wanted: () =>
      new Promise((resolve) => {
        timer = setInterval(() => {
          if (waiters(dir).length > 0) resolve();
        }, 3 * POLL_MS);
      }),
  };
}

function writeFileOnce(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch {}
}

/** Waits until no other command waits for the profile (they have taken it, or given up). */
export async function othersServed(dir: string, signal?: AbortSignal): Promise<void> {
  while (waiters(dir).length > 0 && !signal?.aborted) await sleep(POLL_MS);
}
