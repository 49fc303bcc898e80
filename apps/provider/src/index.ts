/**
 * The provider process: settings in, storage opened, server started, signals handled. Nothing else lives here.
 */
import { join } from 'node:path';
import v8 from 'node:v8';
import { createProvider, type Provider, type Storage } from '@parley/server';
import { openPostgresStorage } from '@parley/storage-postgres';
import { openSqliteStorage } from '@parley/storage-sqlite';
import { loadSettings, type ServeFlags, type ServeSettings } from './config.js';

export { loadSettings, type ServeFlags, type ServeSettings } from './config.js';

/** SQLite in the data folder, or PostgreSQL; a `schema` parameter on the URL picks the schema (default public). */
export async function openStorage(settings: ServeSettings): Promise<Storage> {
  if (!settings.databaseUrl) {
    return openSqliteStorage({
      path: join(settings.dataDir, 'parley.db'),
      synchronous: settings.sqliteSynchronous,
    });
  }
  const url = new URL(settings.databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return openPostgresStorage({ url: url.toString(), ...(schema ? { schema } : {}) });
}

export async function startProvider(settings: ServeSettings): Promise<Provider> {
  const storage = await openStorage(settings);
  const provider = await createProvider(settings.provider, storage);
  try {
    await provider.start();
  } catch (error) {
    await provider.close();
    throw error;
  }
  return provider;
}

/** Closes the providers on SIGINT or SIGTERM (a second signal exits at once). */
export function closeOnSignals(providers: Provider[]): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`${signal}: finishing writes under way and stopping…`);
    Promise.all(providers.map((p) => p.close())).then(
      () => process.exit(0),
      (error) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * How far V8 lets a provider's old generation grow past what a full collection left live before the next one, in
 * percent. Left to itself, V8 sizes this from how fast the program was allocating there: after a quiet spell it
 * allowed about a tenth (a provider with 30 MB live collected again at 34 MB), so the burst of traffic that came
 * next met a full collection every few hundred milliseconds, each a 2–15 ms pause under a wave of messages (a GC
 * observer in each process of the federation bench, 2026-11-30). At 100 a provider holds up to twice its live
 * heap (some 30 MB more) and collects in full far less often; docs/PERFORMANCE.md has the measurements.
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flag `serve` sets, unless node was started with `--heap-growing-percent` of its own (the operator's
 * choice wins). Set as `serve` starts, before the provider opens its storage: V8 reads it each time it sets the old
 * generation's next limit.
 */
export function collectorFlag(execArgv: readonly string[]): string | undefined {
  if (
    execArgv.some(
      (arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'),
    )
  )
    return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** `parley serve`: one provider until a signal stops it. */
export async function serve(flags: ServeFlags): Promise<Provider> {
  const flag = collectorFlag(process.execArgv);
  if (flag) v8.setFlagsFromString(flag);
  const settings = loadSettings(flags);
  const provider = await startProvider(settings);
  const where = settings.databaseUrl ? 'PostgreSQL' : `SQLite in ${settings.dataDir}`;
  console.log(`parley provider ${settings.provider.domain} listening on ${provider.url} (${where})`);
  closeOnSignals([provider]);
  return provider;
}
