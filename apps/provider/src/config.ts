/**
 * Reads a provider's configuration from its three sources — a JSON file, `PARLEY_*` environment variables and
 * command-line flags, in rising precedence — and validates the merge.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type ProviderConfig, type ProviderConfigInput, resolveConfig } from '@parley/server';

export interface ServeFlags {
  config?: string | undefined;
  domain?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  data?: string | undefined;
  db?: string | undefined;
  logLevel?: string | undefined;
  /** `DOMAIN=URL`, repeatable: the static peer map (merged over the config file's `peers`). */
  peer?: string[] | undefined;
}

export interface ServeSettings {
  provider: ProviderConfig;
  /** Folder of the SQLite database (when no PostgreSQL URL is given). */
  dataDir: string;
  /** PostgreSQL URL; SQLite when absent. */
  databaseUrl: string | undefined;
  /**
   * SQLite's `synchronous` (PARLEY_SQLITE_SYNCHRONOUS): FULL by default, so an acknowledged message survives power
   * loss. NORMAL or OFF exist only to measure what that durability costs (the benchmark); never run them for users.
   */
  sqliteSynchronous: 'FULL' | 'NORMAL' | 'OFF';
}

interface FileConfig extends ProviderConfigInput {
  data?: string;
  db?: string;
}

function fromFlags(flags: ServeFlags, env: NodeJS.ProcessEnv): FileConfig {
  const port = flags.port ?? env.PARLEY_PORT;
  const input: FileConfig = {};
  const domain = flags.domain ?? env.PARLEY_DOMAIN;
  const host = flags.host ?? env.PARLEY_HOST;
  const logLevel = flags.logLevel ?? env.PARLEY_LOG_LEVEL;
  if (domain) input.domain = domain;
  if (host) input.host = host;
  if (port) input.port = Number(port);
  if (logLevel) input.logLevel = logLevel as ProviderConfig['logLevel'];
  if (flags.peer && flags.peer.length > 0) input.peers = parsePeers(flags.peer);
  return input;
}

/** `b.localhost=http://127.0.0.1:7102` → { 'b.localhost': 'http://127.0.0.1:7102' }; the URL is checked later. */
export function parsePeers(entries: string[]): Record<string, string> {
  const peers: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new ConfigError(`--peer wants DOMAIN=URL, not "${entry}"`);
    peers[entry.slice(0, at).trim().toLowerCase()] = entry.slice(at + 1).trim();
  }
  return peers;
}

export function loadSettings(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeSettings {
  const path = flags.config ?? env.PARLEY_CONFIG;
  const file: FileConfig = path ? (JSON.parse(readFileSync(path, 'utf8')) as FileConfig) : {};
  const { data: fileData, db: fileDb, ...fileProvider } = file;
  const provider = resolveConfig(fileProvider, fromFlags(flags, env));
  return {
    provider,
    dataDir: flags.data ?? env.PARLEY_DATA ?? fileData ?? './.parley',
    databaseUrl: flags.db ?? env.PARLEY_DB ?? fileDb,
    sqliteSynchronous: synchronous(env.PARLEY_SQLITE_SYNCHRONOUS),
  };
}

function synchronous(value: string | undefined): ServeSettings['sqliteSynchronous'] {
  if (value === undefined || value === '') return 'FULL';
  const upper = value.toUpperCase();
  if (upper === 'FULL' || upper === 'NORMAL' || upper === 'OFF') return upper;
  throw new ConfigError(`PARLEY_SQLITE_SYNCHRONOUS must be FULL, NORMAL or OFF, not "${value}"`);
}
