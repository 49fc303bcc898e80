/**
 * Real providers for tests: in-process on a random loopback port over a chosen backend, or as a child process
 * (`parley serve`) when a test must kill it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { createProvider, type Provider, type ProviderConfigInput, resolveConfig } from '@parley/server';
import { dropSchema } from '@parley/storage-postgres';
import type { DestinationStream } from 'pino';
import { type Backend, type OpenedBackend, postgresUrl, tempDir, uniqueSchema } from './backends.js';
import { repoRoot } from './vectors.js';

/** Settings that keep tests fast and unthrottled; tests of limits set their own. */
export const TEST_CONFIG: ProviderConfigInput = {
  host: '127.0.0.1',
  port: 0,
  logLevel: 'silent',
  passwords: { scryptLogN: 10, minLength: 8 },
  rateLimits: {
    register: { capacity: 10_000, perMinute: 10_000 },
    login: { capacity: 10_000, perMinute: 10_000 },
  },
};

export interface TestProvider {
  provider: Provider;
  url: string;
  close(): Promise<void>;
}

export async function startTestProvider(
  backend: Backend,
  config: ProviderConfigInput = {},
  logStream?: DestinationStream,
): Promise<TestProvider & { opened: OpenedBackend }> {
  const opened = await backend.open();
  const provider = await createProvider(
    resolveConfig(TEST_CONFIG, { domain: 'a.localhost' }, config),
    opened.storage,
    logStream ? { logStream } : {},
  );
  const url = await provider.start();
  return {
    provider,
    opened,
    url,
    close: async () => {
      await provider.close();
      await opened.destroy();
    },
  };
}

export interface ProcessProvider {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `parley serve` as a child process and waits for its address line. */
export async function spawnProvider(args: {
  domain: string;
  dataDir: string;
  db?: string;
  port?: number;
  /** The static peer map (`--peer DOMAIN=URL` each). */
  peers?: Record<string, string>;
  /** Further settings, written to a config file in the data folder (flags still win). */
  config?: ProviderConfigInput;
  /** Options for the node process itself, before the script (e.g. `--cpu-prof` in a benchmark). */
  nodeArgs?: string[];
}): Promise<ProcessProvider> {
  const configFile = join(args.dataDir, 'test-config.json');
  if (args.config) {
    mkdirSync(args.dataDir, { recursive: true });
    writeFileSync(configFile, JSON.stringify(args.config));
  }
  const argv = [
    ...(args.nodeArgs ?? []),
    join(repoRoot, 'apps/cli/bin/parley.js'),
    'serve',
    '--domain',
    args.domain,
    '--host',
    '127.0.0.1',
    '--port',
    String(args.port ?? 0),
    '--data',
    args.dataDir,
    '--log-level',
    'warn',
    ...(args.db ? ['--db', args.db] : []),
    ...Object.entries(args.peers ?? {}).flatMap(([domain, url]) => ['--peer', `${domain}=${url}`]),
    ...(args.config ? ['--config', configFile] : []),
  ];
  const child = spawn(process.execPath, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = register(child, args.dataDir);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      forget();
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a stray process behind
      reject(new Error(`provider did not start:\n${output}`));
    }, 30_000);
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`provider exited early:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

/**
 * Notes a spawned provider where the test runner looks after the run (`PARLEY_TEST_CHILDREN`, set by
 * scripts/test.mjs): a file named by its PID holding its data folder, removed when it exits. A test process
 * killed at its time limit cannot stop its children; the runner stops those still listed, by PID, once it has
 * checked that the PID still runs that provider (its command line names the folder).
 */
function register(child: ChildProcess, dataDir: string): () => void {
  const folder = process.env.PARLEY_TEST_CHILDREN;
  if (!folder || child.pid === undefined) return () => {};
  const file = join(folder, String(child.pid));
  writeFileSync(file, dataDir);
  return () => rmSync(file, { force: true });
}

/** Where a spawned provider keeps its data for one backend: a temp folder, plus a schema URL for PostgreSQL. */
export function processStorage(backend: 'sqlite' | 'postgres'): {
  dataDir: string;
  db?: string;
  remove(): Promise<void>;
} {
  const dir = tempDir('parley-proc-');
  if (backend === 'sqlite') return { dataDir: dir.path, remove: async () => dir.remove() };
  const schema = uniqueSchema('parley_proc');
  const url = new URL(postgresUrl!);
  url.searchParams.set('schema', schema);
  return {
    dataDir: dir.path,
    db: url.toString(),
    remove: async () => {
      dir.remove();
      await dropSchema(postgresUrl!, schema);
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (for processes that must know each other's address before start). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
