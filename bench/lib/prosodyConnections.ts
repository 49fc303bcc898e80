// Prosody under the connections part, the XMPP baseline: one `prosody` process (bench/lib/xmppProsody.ts's config,
// plus mod_admin_shell so that the bench can force a Lua garbage collection inside it), N users, and N raw c2s
// clients (bench/lib/xmppClient.ts: SASL PLAIN, a bound resource, initial presence) left idle. Its RSS is read
// like the Parley provider's: before and after, each time after a full collection.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@parley/testing';
import { residentBytes } from './processMemory.ts';
import { XmppClient } from './xmppClient.ts';
import { configure, type ProsodyServer, prosodyVersion, register, start, stop } from './xmppProsody.ts';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery';
const DOMAIN = 'conn.localhost';

/** Prosody's file-store name of a host or user (util/datamanager.lua `encode`: every non-alphanumeric as %xx). */
const encode = (s: string) =>
  s.replace(/[^A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export interface ProsodyMemory {
  rssBytes: number;
  /** `collectgarbage('count')` after the collection: the Lua heap, in bytes. */
  luaBytes: number;
}

export class ProsodyUnderLoad {
  private readonly clients: XmppClient[] = [];

  private constructor(
    private readonly folder: string,
    private readonly server: ProsodyServer,
  ) {}

  get version(): string {
    return prosodyVersion();
  }

  /**
   * A server with users user0 … user<count−1>: user0 registered with prosodyctl, the others copies of its account
   * file (registering a thousand users one prosodyctl process at a time takes minutes).
   */
  static async start(count: number): Promise<ProsodyUnderLoad> {
    const folder = mkdtempSync(join(tmpdir(), 'parley-bench-prosody-conn-'));
    const server: ProsodyServer = {
      domain: DOMAIN,
      dir: join(folder, 'server'),
      c2sPort: await freePort(),
      s2sPort: await freePort(),
      stderr: '',
    };
    const under = new ProsodyUnderLoad(folder, server);
    try {
      // No peer is ever contacted; the config names one because the federation part's config always does.
      const file = configure(server, { domain: 'unused.localhost', s2sPort: await freePort() });
      const config = readFileSync(file, 'utf8');
      if (!config.includes('modules_enabled = { ')) throw new Error('connections: unexpected Prosody config');
      writeFileSync(file, config.replace('modules_enabled = { ', 'modules_enabled = { "admin_shell", '));
      await register(server, 'user0', PASSWORD);
      const accounts = join(server.dir, 'data', encode(DOMAIN), 'accounts');
      const first = join(accounts, 'user0.dat');
      if (!existsSync(first)) throw new Error(`connections: prosodyctl wrote no ${first}`);
      for (let i = 1; i < count; i++) copyFileSync(first, join(accounts, `user${i}.dat`));
      await start(server);
      return under;
    } catch (e) {
      await under.stop();
      throw e;
    }
  }

  get pid(): number {
    return this.server.child!.pid!;
  }

  /** Logs in `users` (their indexes), `concurrency` at a time; returns each login's time in ms. */
  async connect(users: number[], concurrency: number): Promise<number[]> {
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, users.length) }, async () => {
        while (next < users.length) {
          const user = `user${users[next++]}`;
          const started = performance.now();
          const client = await XmppClient.connect({
            host: '127.0.0.1',
            port: this.server.c2sPort,
            domain: DOMAIN,
            user,
            password: PASSWORD,
            resource: 'bench',
          });
          latencies.push(performance.now() - started);
          this.clients.push(client);
        }
      }),
    );
    return latencies;
  }

  /** Ends every client's stream. */
  async disconnect(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }

  /** A full Lua collection through the admin shell, a pause, then RSS and the Lua heap. */
  async memory(): Promise<ProsodyMemory> {
    const { stdout } = await run(
      '/usr/bin/prosodyctl',
      [
        '--config',
        join(this.server.dir, 'prosody.cfg.lua'),
        'shell',
        ">collectgarbage('collect'); collectgarbage('collect'); return collectgarbage('count')",
      ],
      { timeout: 30_000 },
    );
    const kib = Number(/([\d.]+)\s*$/.exec(stdout.trim())?.[1]);
    if (!Number.isFinite(kib)) throw new Error(`connections: the Prosody shell answered ${stdout}`);
    await new Promise((r) => setTimeout(r, 1_000));
    const rssBytes = residentBytes(this.pid);
    if (rssBytes === undefined) throw new Error('connections: Prosody is gone');
    return { rssBytes, luaBytes: kib * 1024 };
  }

  async stop(): Promise<void> {
    await this.disconnect();
    await stop(this.server);
    rmSync(this.folder, { recursive: true, force: true });
  }
}
