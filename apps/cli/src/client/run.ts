// Runs one client command: finds it (`send`, `group add`, …), parses its arguments strictly, runs it and maps
// the outcome to an exit code: 0 ok, 1 failure (one "parley: …" line), 2 usage error (usage on stderr).
import { parseArgs } from 'node:util';
import { accountCommands } from '../commands/account.js';
import { consentCommands } from '../commands/consent.js';
import { groupCommands } from '../commands/group.js';
import { messageCommands } from '../commands/messages.js';
import { roomsCommands } from '../commands/rooms.js';
import { syncCommands } from '../commands/sync.js';
import { USAGE } from '../usage.js';
import { COMMON_OPTIONS, required, type Values } from './args.js';
import type { Command } from './command.js';
import { isParseError, UsageError } from './errors.js';
import { Output } from './output.js';

const COMMANDS: Record<string, Command> = {
  ...accountCommands,
  ...messageCommands,
  ...groupCommands,
  ...syncCommands,
  ...roomsCommands,
  ...consentCommands,
};

function find(argv: string[]): { name: string; command: Command; args: string[] } {
  const [first = '', second = ''] = argv;
  const pair = `${first} ${second}`;
  if (COMMANDS[pair]) return { name: pair, command: COMMANDS[pair], args: argv.slice(2) };
  if (COMMANDS[first]) return { name: first, command: COMMANDS[first], args: argv.slice(1) };
  if (Object.keys(COMMANDS).some((n) => n.startsWith(`${first} `)))
    throw new UsageError(
      second === '' || second.startsWith('-')
        ? `"${first}" needs a subcommand`
        : `unknown command "${first} ${second}"`,
    );
  throw new UsageError(`unknown command "${first}"`);
}

export async function runClientCommand(argv: string[]): Promise<number> {
  // `parley sync --follow | head -1`: the reader is gone, so is the point of going on.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  const out = new Output(argv.includes('--json'));
  let usage = USAGE;
  try {
    const { command, args } = find(argv);
    usage = `usage: ${command.usage}\n(parley help for every command)`;
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
    if (values.help === true) {
      console.log(`usage: ${command.usage}`);
      return 0;
    }
    required(values as Values, 'profile');
    await command.run({ values: values as Values, positionals, out });
    return 0;
  } catch (error) {
    if (error instanceof UsageError || isParseError(error)) {
      process.stderr.write(`parley: ${error.message}\n${usage}\n`);
      if (out.json)
        process.stdout.write(`${JSON.stringify({ type: 'error', code: 'usage', message: error.message })}\n`);
      return 2;
    }
    out.fail(error);
    return 1;
  }
}
