// Parley under the connections part: devices written straight into a provider's SQLite database (the same
// `accounts.register` call POST /v1/accounts makes, one user with one device each), then, for every run, a fresh
// `parley serve` process on that database with Node's inspector on loopback (to force a full GC and read
// process.memoryUsage() inside it), its RSS read before and after N of those devices connect their stream.
import { execFile } from 'node:child_process';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomId } from '@parley/protocol';
import { openSqliteStorage } from '@parley/storage-sqlite';
import { type ProcessProvider, spawnProvider, tempDir } from '@parley/testing';
import { within } from './parleyDevices.ts';
import { Inspector, inspectorUrl, type NodeMemory, residentBytes } from './processMemory.ts';

const run = promisify(execFile);
export const DOMAIN = 'conn.localhost';

/** A stored password hash in the server's format (auth/password.ts: scrypt$logN$r$p$salt$key), shipped cost. */
function passwordHash(): string {
  const logN = 15;
  const salt = randomBytes(16);
  const key = scryptSync('correct horse battery', salt, 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 64 << 20 });
  return `scrypt$${logN}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Writes `count` users (dev0, dev1, …) with one device each into the provider database in `dataDir`, and returns
 * the devices' tokens. The tokens have the server's shape (auth/tokens.ts: `pt_` and 32 random bytes base64url,
 * stored as their SHA-256 hex): a change there makes every stream refuse, and the part fail. The database is
 * written with synchronous=OFF (the seeding is not measured); the provider reopens it as shipped.
 */
export async function seedDevices(dataDir: string, count: number): Promise<string[]> {
  const storage = await openSqliteStorage({ path: join(dataDir, 'parley.db'), synchronous: 'OFF' });
  const hash = passwordHash(); // one hash for all: nobody signs in with a password here
  const tokens: string[] = [];
  try {
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const token = `pt_${randomBytes(32).toString('base64url')}`;
      const done = await storage.accounts.register(
        { handle: `dev${i}`, passwordHash: hash, createdAt: now },
        {
          id: randomId(),
          name: 'bench device',
          tokenHash: createHash('sha256').update(token).digest('hex'),
          createdAt: now,
        },
      );
      if (!done.ok) throw new Error(`connections: seeding dev${i}: ${done.reason}`);
      tokens.push(token);
    }
  } finally {
    await storage.close();
  }
  return tokens;
}

/** The open-files limit of a process (soft, hard), from /proc/PID/limits. */
export function openFilesLimit(pid: number): { soft: number; hard: number } {
  const line = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(
    readFileSync(`/proc/${pid}/limits`, 'utf8'),
  );
  const value = (s: string | undefined) => (s === 'unlimited' || s === undefined ? Infinity : Number(s));
  return { soft: value(line?.[1]), hard: value(line?.[2]) };
}

/** File descriptors a provider needs besides its streams (database, listener, inspector, pipes, libuv). */
export const SPARE_FILES = 512;

/** Whether this process may raise hard resource limits (CAP_SYS_RESOURCE, bit 24 of its effective set). */
function mayRaiseHardLimits(): boolean {
  const hex = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 24n)) !== 0n;
}

/**
 * The most streams a provider started by this process can hold: its open-files limit less `SPARE_FILES`, the
 * limit being the hard one it inherits from us, or the kernel's ceiling (fs.nr_open) when we may raise it.
 */
export function streamCeiling(): { streams: number; why: string } {
  const { hard } = openFilesLimit(process.pid);
  if (mayRaiseHardLimits()) {
    const ceiling = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8'));
    return { streams: ceiling - SPARE_FILES, why: `fs.nr_open ${ceiling}` };
  }
  return {
    streams: hard - SPARE_FILES,
    why: `open-files hard limit ${hard} here, which this process may not raise (no CAP_SYS_RESOURCE)`,
  };
}

/**
 * Raises a process's open-files limit to at least `wanted` with util-linux `prlimit --pid` (above the hard limit
 * only with CAP_SYS_RESOURCE). Returns the limit it has afterwards.
 */
export async function raiseOpenFiles(pid: number, wanted: number): Promise<number> {
  const before = openFilesLimit(pid);
  if (before.soft >= wanted) return before.soft;
  await run('prlimit', [`--pid=${pid}`, `--nofile=${wanted}:${Math.max(wanted, before.hard)}`]);
  return openFilesLimit(pid).soft;
}

export interface Memory {
  rssBytes: number;
  node: NodeMemory;
}

/** A provider process on the seeded database, with an inspector session. */
export class ParleyProvider {
  private constructor(
    readonly process: ProcessProvider,
    readonly inspector: Inspector,
  ) {}

  /** A provider for `streams` streams (its open-files limit raised to fit them when needed). */
  static async start(dataDir: string, streams: number): Promise<ParleyProvider> {
    const openFiles = streams + SPARE_FILES;
    const spawned = await spawnProvider({
      domain: DOMAIN,
      dataDir,
      // Port 0: Node's own pick; the inspector on loopback only, its address read from stderr.
      nodeArgs: ['--inspect=127.0.0.1:0'],
    });
    // Should the bench itself die without its teardown, the provider goes with it.
    const orphaned = () => spawned.child.kill('SIGKILL');
    process.once('exit', orphaned);
    spawned.exited.then(() => process.off('exit', orphaned));
    const pid = spawned.child.pid!;
    try {
      const limit = await raiseOpenFiles(pid, openFiles);
      if (limit < openFiles)
        throw new Error(`connections: the provider may open ${limit} files, ${openFiles} needed`);
      const url = inspectorUrl(spawned.output());
      if (!url)
        throw new Error(`connections: the provider printed no inspector address:\n${spawned.output()}`);
      return new ParleyProvider(spawned, await Inspector.connect(url));
    } catch (e) {
      spawned.child.kill('SIGKILL');
      await spawned.exited;
      throw e;
    }
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  get streamUrl(): string {
    return `${this.process.url.replace(/^http/, 'ws')}/v1/stream`;
  }

  /** Full GC twice (the second frees what the first's finalizers released), a pause, then RSS and the heap. */
  async memory(): Promise<Memory> {
    await this.inspector.collectGarbage();
    await this.inspector.collectGarbage();
    await new Promise((r) => setTimeout(r, 1_000));
    const node = await this.inspector.memoryUsage();
    const rssBytes = residentBytes(this.pid);
    if (rssBytes === undefined) throw new Error('connections: the provider is gone');
    return { rssBytes, node };
  }

  /** SIGTERM (the provider closes its streams and storage), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    this.inspector.close();
    const { child, exited } = this.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await within(exited, 20_000))) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** A temporary provider data folder. */
export const dataFolder = () => tempDir('parley-bench-conn-');
