/**
 * `parley serve` (one provider) and `parley dev` (the set-up `npm start` runs). Loaded only for these two, so the
 * client commands never pay for the server's imports.
 */
import { parseArgs } from 'node:util';
import { serve as serveProvider } from '@parley/provider';
import { dev as runDev } from './dev.js';

export async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      domain: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      'log-level': { type: 'string' },
      peer: { type: 'string', multiple: true },
    },
  });
  await serveProvider({ ...values, logLevel: values['log-level'] });
}

export async function dev(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, 'port-base': { type: 'string' } },
  });
  const portBase = Number(values['port-base'] ?? 7101);
  if (!Number.isInteger(portBase) || portBase < 1 || portBase > 65_533) {
    throw new Error('--port-base wants a port number (1–65533)');
  }
  await runDev(values.data ?? './.parley', portBase);
}
