/**
 * The provider process: settings in, storage opened, server started, signals handled. Nothing else lives here.
 */
import { join } from 'node:path';
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

/** `parley serve`: one provider until a signal stops it. */
export async function serve(flags: ServeFlags): Promise<Provider> {
  const settings = loadSettings(flags);
  const provider = await startProvider(settings);
  const where = settings.databaseUrl ? 'PostgreSQL' : `SQLite in ${settings.dataDir}`;
  console.log(`parley provider ${settings.provider.domain} listening on ${provider.url} (${where})`);
  closeOnSignals([provider]);
  return provider;
}
