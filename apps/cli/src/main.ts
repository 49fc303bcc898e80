/**
 * `parley`: `serve` runs one provider; `dev` runs the local development set-up that `npm start` uses.
 */
import { parseArgs } from 'node:util';
import { serve } from '@parley/provider';
import { dev } from './dev.js';

const USAGE = `usage:
  parley serve --domain DOMAIN --port PORT --data DIR [--db postgres://…] [--host HOST] [--config FILE]
  parley dev [--data DIR]          one provider on SQLite in ./.parley (what npm start runs)`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          config: { type: 'string' },
          domain: { type: 'string' },
          host: { type: 'string' },
          port: { type: 'string' },
          data: { type: 'string' },
          db: { type: 'string' },
          'log-level': { type: 'string' },
        },
      });
      await serve({ ...values, logLevel: values['log-level'] });
      return;
    }
    case 'dev': {
      const { values } = parseArgs({ args: rest, options: { data: { type: 'string' } } });
      await dev(values.data ?? './.parley');
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      console.error(`parley: unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`parley: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
