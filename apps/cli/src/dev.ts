/**
 * The development set-up `npm start` runs: three providers standing for three platforms — a.localhost,
 * b.localhost and c.localhost on ports 7101–7103 — each a `parley serve` process of its own, on SQLite in
 * DIR/<name>, with its own name and colour in DIR/<name>/config.json and the others in its static peer map (no
 * DNS). Ctrl-C (or SIGTERM) stops all three cleanly; if one dies, the others are stopped too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PLATFORMS = [
  { name: 'a', branding: { name: 'Aurora', accent: '#e4572e', logo: 'A' } },
  { name: 'b', branding: { name: 'Brook', accent: '#17a398', logo: 'B' } },
  { name: 'c', branding: { name: 'Cinder', accent: '#7b2cbf', logo: 'C' } },
];

const bin = fileURLToPath(new URL('../bin/parley.js', import.meta.url));
/** The web app `npm start` builds (apps/web/dist): each provider serves it at `/` in its own colours. */
const webRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));

export async function dev(dataDir: string, portBase = 7101): Promise<void> {
  const providers = PLATFORMS.map((p, i) => ({ ...p, domain: `${p.name}.localhost`, port: portBase + i }));
  const children: ChildProcess[] = [];
  let stopping = false;
  let signalled = false;
  const stopAll = (signal: NodeJS.Signals = 'SIGTERM') => {
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  };

  // Signals are ours from the start: a Ctrl-C while the three are still starting stops them too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      signalled = true;
      stopAll('SIGTERM');
    });
  const exited = () =>
    Promise.all(
      children.map(
        (c) =>
          new Promise((done) =>
            c.exitCode === null && c.signalCode === null ? c.once('exit', done) : done(null),
          ),
      ),
    );

  const started = providers.map((p) => {
    const dir = resolve(dataDir, p.name);
    mkdirSync(dir, { recursive: true });
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      `${JSON.stringify({ branding: p.branding, ...(existsSync(webRoot) ? { webRoot } : {}) }, null, 2)}\n`,
    );
    const peers = providers
      .filter((o) => o !== p)
      .flatMap((o) => ['--peer', `${o.domain}=http://127.0.0.1:${o.port}`]);
    const child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--config',
        configFile,
        '--domain',
        p.domain,
        '--port',
        String(p.port),
        '--data',
        dir,
        '--log-level',
        'warn',
        ...peers,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(child);
    return new Promise<void>((ready, failed) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/listening on/.test(out)) ready();
      });
      child.on('exit', (code, signal) => {
        failed(new Error(`${p.domain} exited (${signal ?? code}) before it was up`));
        if (!stopping) {
          console.error(`${p.domain} stopped (${signal ?? code}); stopping the others.`);
          stopAll();
        }
      });
    }).then(() =>
      console.log(
        `${p.branding.name} — http://${p.domain}:${p.port} (data in ${dir}; peers ${peers.filter((_, i) => i % 2).join(', ')})`,
      ),
    );
  });

  try {
    await Promise.all(started);
  } catch (error) {
    stopAll();
    await exited();
    // Stopped by a signal while starting: a clean stop, not a failure.
    if (!signalled) throw error;
    console.log('Stopped.');
    return;
  }
  console.log('All three are up: open two of them in two browser windows. Ctrl-C stops them.');
  await exited();
  console.log('Stopped.');
}
