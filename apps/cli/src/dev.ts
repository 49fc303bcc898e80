/**
 * The development set-up `npm start` runs: for now one provider, a.localhost on port 7101, SQLite in DIR/a.
 */
import { join } from 'node:path';
import { closeOnSignals, loadSettings, startProvider } from '@parley/provider';

export async function dev(dataDir: string): Promise<void> {
  const settings = loadSettings({
    domain: 'a.localhost',
    port: '7101',
    data: join(dataDir, 'a'),
    logLevel: 'warn',
  });
  const provider = await startProvider(settings);
  console.log(`Parley provider a.localhost is up at ${provider.url} (SQLite in ${settings.dataDir}).`);
  console.log(`Health: ${provider.url}/health — stop with Ctrl-C.`);
  closeOnSignals([provider]);
}
