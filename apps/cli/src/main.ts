/**
 * `parley`: `serve` runs one provider; `dev` runs the local development set-up that `npm start` uses; every other
 * command is a client command (commands/), run against a device profile. Exit codes: 0 ok, 1 failure, 2 usage.
 */
import { USAGE } from './usage.js';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await (await import('./serve.js')).serve(rest);
      return;
    case 'dev':
      await (await import('./serve.js')).dev(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      process.exitCode = await (await import('./client/run.js')).runClientCommand(argv);
      // A client command is done once it returns: a socket nobody closed must not keep the process alive.
      setTimeout(() => process.exit(), 3000).unref();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`parley: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
