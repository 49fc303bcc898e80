// Prosody processes for the federation bench: the Debian package installed when it is missing (and we may),
// and one server per domain as a `prosody -F` child with its own config, data, pid and log files in a folder,
// listening on loopback only, stopped by its PID. Every setting below is read in Prosody 0.12.3's own source,
// /usr/lib/prosody (cited by file), since the bench runs offline.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { within } from './parleyDevices.ts';

const run = promisify(execFile);
const PROSODY = '/usr/bin/prosody';
const PROSODYCTL = '/usr/bin/prosodyctl';
/** Where the package's own daemon writes its PID (/etc/prosody/prosody.cfg.lua). */
const SYSTEM_PIDFILE = '/run/prosody/prosody.pid';

/** The installed Prosody's version (the package's /usr/lib/prosody/prosody.version), if it says. */
export function prosodyVersion(): string {
  try {
    return readFileSync('/usr/lib/prosody/prosody.version', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** The PID of a live process in the system pidfile that is a Prosody, if any. */
function systemDaemon(): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(SYSTEM_PIDFILE, 'utf8'), 10);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('prosody') ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function exited(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !existsSync(`/proc/${pid}`);
}

/**
 * Makes Prosody available: nothing to do when installed; else, when root and `mayInstall`, `apt-get install -y
 * prosody` (after `apt-get update` if the first try fails), then stops the system daemon the package may have
 * started, by the PID in its pidfile. Returns why Prosody cannot be used, or undefined.
 */
export async function ensureProsody(mayInstall: boolean): Promise<string | undefined> {
  if (existsSync(PROSODY) && existsSync(PROSODYCTL)) return undefined;
  if (!mayInstall) return `${PROSODY} is absent and a --quick run installs nothing`;
  if (process.getuid?.() !== 0)
    return `${PROSODY} is absent and the bench is not root (apt-get install prosody)`;
  const before = systemDaemon();
  const apt = (args: string[]) =>
    run('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 1 << 26 });
  console.error('federation: installing prosody (apt-get install -y prosody)');
  try {
    await apt(['install', '-y', 'prosody']).catch(async () => {
      await apt(['update']);
      await apt(['install', '-y', 'prosody']);
    });
  } catch (e) {
    const detail = e instanceof Error ? e.message.split('\n').filter(Boolean).at(-1) : String(e);
    return `apt-get install -y prosody failed: ${detail}`;
  }
  const daemon = systemDaemon();
  if (daemon !== undefined && daemon !== before) {
    // The package's own server (ports 5222, 5269, 5280) is not part of the bench.
    process.kill(daemon, 'SIGTERM');
    if (!(await exited(daemon, 10_000))) process.kill(daemon, 'SIGKILL');
    console.error(`federation: stopped the system prosody the package started (pid ${daemon})`);
  }
  return existsSync(PROSODY) ? undefined : `apt-get install -y prosody left no ${PROSODY}`;
}

export interface ProsodyServer {
  domain: string;
  dir: string;
  c2sPort: number;
  s2sPort: number;
  child?: ChildProcess;
  exited?: Promise<void>;
  stderr: string;
}

/**
 * The config of one server. `peer` is the other domain and its s2s port: Prosody resolves a domain for s2s by
 * the SRV record _xmpp-server._tcp (mod_s2s.lua, net/resolvers/service.lua) through libunbound
 * (net/unbound.lua, whose `unbound` option goes to luaunbound as is); one static local-data SRV record there
 * routes the peer to its port, and unbound's built-in `localhost.` zone answers *.localhost with 127.0.0.1
 * (RFC 6761), so neither DNS nor /etc/hosts is involved.
 */
function config(server: ProsodyServer, peer: { domain: string; s2sPort: number }): string {
  const at = (name: string) => JSON.stringify(join(server.dir, name));
  const srv = `_xmpp-server._tcp.${peer.domain}.`;
  return `-- Written by bench/lib/xmppProsody.ts for one federation bench run.
-- util/startup.lua, mod_posix.lua: refuses root unless told; the bench's temporary files are root's.
run_as_root = ${process.getuid?.() === 0}
pidfile = ${at('prosody.pid')}
data_path = ${at('data')}
certificates = ${at('certs')}
log = { { levels = { min = "warn" }, to = "file", filename = ${at('prosody.log')} } }
-- net/server_epoll.lua: TCP_NODELAY on every connection.
network_settings = { nagle = false }
interfaces = { "127.0.0.1" }
c2s_ports = { ${server.c2sPort} }
s2s_ports = { ${server.s2sPort} }
use_ipv6 = false
unbound = { options = {
  ["local-zone:"] = "${srv} static";
  ["local-data:"] = "${srv} 3600 IN SRV 0 0 ${peer.s2sPort} ${peer.domain}.";
} }
-- Autoloaded besides (core/modulemanager.lua): presence, message, iq, offline, c2s, s2s, s2s_auth_certs.
-- No tls (plain TCP on loopback), no limits (no rate limiting).
modules_enabled = { "roster", "saslauth", "dialback", "disco", "posix" }
authentication = "internal_plain"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
s2s_require_encryption = false
s2s_secure_auth = false
VirtualHost "${server.domain}"
`;
}

export function configure(server: ProsodyServer, peer: { domain: string; s2sPort: number }): string {
  for (const sub of ['data', 'certs']) mkdirSync(join(server.dir, sub), { recursive: true });
  const file = join(server.dir, 'prosody.cfg.lua');
  writeFileSync(file, config(server, peer));
  return file;
}

export async function register(server: ProsodyServer, user: string, password: string): Promise<void> {
  const file = join(server.dir, 'prosody.cfg.lua');
  await run(PROSODYCTL, ['--config', file, 'register', user, server.domain, password]);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-6).join('\n');
  } catch {
    return '';
  }
}

/** Starts the server in the foreground and waits until its c2s port takes connections. */
export async function start(server: ProsodyServer): Promise<void> {
  const child = spawn(PROSODY, ['-F', '--config', join(server.dir, 'prosody.cfg.lua')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.child = child;
  // Should the bench itself die without its teardown, the server goes with it.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  server.exited = new Promise((resolve) =>
    child.once('exit', () => {
      process.off('exit', orphaned);
      resolve();
    }),
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    server.stderr = (server.stderr + chunk.toString()).slice(-4000);
  });
  for (const deadline = Date.now() + 15_000; ; ) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const log = tail(join(server.dir, 'prosody.log'));
      throw new Error(`prosody ${server.domain} did not start: ${server.stderr}${log}`);
    }
    if (await accepts(server.c2sPort)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Stops the server by its PID: SIGTERM (Prosody closes its streams), SIGKILL after 10 s. */
export async function stop(server: ProsodyServer): Promise<void> {
  const child = server.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await within(server.exited!, 10_000))) {
    child.kill('SIGKILL');
    await server.exited;
  }
}
