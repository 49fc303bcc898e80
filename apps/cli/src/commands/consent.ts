// parley requests / accept / decline / block / report. A first contact from a user of another provider waits as a
// request until this user answers: `accept` lets its rooms through (they arrive with the next sync), `decline`
// drops them, `block` drops them and whatever that user sends later. `report` tells the provider about one
// message, found by id in the profile's message index. None of them needs the rooms' state: they sign in only.
import { MAX_REPORT_REASON, type ParleyClient } from '@parley/sdk';
import { handle, noPositionals, optional, required } from '../client/args.js';
import type { Command } from '../client/command.js';
import { CliError, UsageError } from '../client/errors.js';
import { signedIn, withProfile } from '../client/profile.js';

const requests: Command = {
  usage: 'parley requests --profile DIR [--json]',
  options: {},
  async run({ values, positionals, out }) {
    noPositionals(positionals);
    await withProfile(required(values, 'profile'), out, {}, async (p) => {
      await signedIn(p);
      for (const r of await p.client.requests()) {
        const rooms = r.rooms.map((room) => ({ room: room.id, kind: room.kind }));
        out.print(
          { type: 'request', from: r.from, rooms, at: r.at },
          `${r.from}  ${rooms.map((room) => `${room.kind} ${room.room}`).join(', ')}  ${new Date(r.at).toISOString()}`,
        );
      }
    });
  },
};

/** accept, decline or block: one HANDLE, answered; prints the user's canonical address. */
function answer(
  name: 'accept' | 'decline' | 'block',
  done: 'accepted' | 'declined' | 'blocked',
  act: (client: ParleyClient, user: string) => Promise<string>,
): Command {
  return {
    usage: `parley ${name} --profile DIR [--json] HANDLE`,
    options: {},
    async run({ values, positionals, out }) {
      const [typed, ...rest] = positionals;
      if (typed === undefined) throw new UsageError('HANDLE is missing');
      noPositionals(rest);
      handle(typed, 'localhost'); // malformed is a usage error, before the profile is opened
      await withProfile(required(values, 'profile'), out, {}, async (p) => {
        await signedIn(p);
        const user = await act(p.client, handle(typed, p.client.user.slice(p.client.user.indexOf('@') + 1)));
        out.print({ type: done, user }, `${done} ${user}`);
      });
    },
  };
}

const report: Command = {
  usage: 'parley report --profile DIR --room ROOM --message ID [--reason TEXT] [--json]',
  options: { room: { type: 'string' }, message: { type: 'string' }, reason: { type: 'string' } },
  async run({ values, positionals, out }) {
    noPositionals(positionals);
    const room = required(values, 'room');
    const id = required(values, 'message').trim().toLowerCase();
    const reason = optional(values, 'reason');
    if (reason !== undefined && reason.length > MAX_REPORT_REASON)
      throw new UsageError(`--reason has at most ${MAX_REPORT_REASON} characters`);
    await withProfile(required(values, 'profile'), out, {}, async (p) => {
      await signedIn(p);
      const known = await p.store.message(id);
      if (known && known.room !== room)
        throw new CliError('unknownMessage', `message ${id} is not in room ${room}`);
      const at = await p.client.report(id, reason?.trim() || undefined);
      out.print({ type: 'reported', room: at.room, id, seq: at.seq }, `reported ${id}`);
    });
  },
};

export const consentCommands: Record<string, Command> = {
  requests,
  accept: answer('accept', 'accepted', (c, user) => c.accept(user)),
  decline: answer('decline', 'declined', (c, user) => c.decline(user)),
  block: answer('block', 'blocked', (c, user) => c.block(user)),
  report,
};
