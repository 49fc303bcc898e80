/**
 * The development set-up `npm start` runs: three providers standing for three platforms — a.localhost,
 * b.localhost and c.localhost on ports 7101–7103 — each on SQLite in DIR/<name>, each with the others in its
 * static peer map (no DNS).
 */
import { join } from 'node:path';
import { closeOnSignals, loadSettings, startProvider } from '@parley/provider';
import type { Provider } from '@parley/server';

const PROVIDERS = [
  { name: 'a', port: 7101 },
  { name: 'b', port: 7102 },
  { name: 'c', port: 7103 },
];

export async function dev(dataDir: string): Promise<void> {
  const started: Provider[] = [];
  try {
    for (const { name, port } of PROVIDERS) {
      const peer = PROVIDERS.filter((p) => p.name !== name).map(
        (p) => `${p.name}.localhost=http://127.0.0.1:${p.port}`,
      );
      const settings = loadSettings({
        domain: `${name}.localhost`,
        port: String(port),
        data: join(dataDir, name),
        logLevel: 'warn',
        peer,
      });
      const provider = await startProvider(settings);
      started.push(provider);
      console.log(
        `Parley provider ${name}.localhost is up at ${provider.url} (SQLite in ${settings.dataDir}).`,
      );
    }
  } catch (error) {
    await Promise.all(started.map((p) => p.close()));
    throw error;
  }
  console.log('Health: /health on each — stop with Ctrl-C.');
  closeOnSignals(started);
}
