// parley group create / add / remove / leave. Membership changes are MLS commits made by this device (a leave is
// a proposal that the next member to commit carries out); each prints the room and who is in it now.
import type { ParleyClient } from '@parley/sdk';
import { handle, list, noPositionals, optional, required, type Values } from '../client/args.js';
import type { Command } from '../client/command.js';
import { CliError, UsageError } from '../client/errors.js';
import { online, withProfile } from '../client/profile.js';

/** The handles of a list option, checked now and made canonical once the user's own domain is known. */
function handles(values: Values, name: string): (client: ParleyClient) => string[] {
  const typed = list(values, name);
  for (const t of typed) handle(t, 'localhost');
  return (client) => typed.map((t) => handle(t, client.user.slice(client.user.indexOf('@') + 1)));
}

/** The room to change, which must be a group this device is in (a 1:1 room keeps its two members). */
async function groupRoom(client: ParleyClient, room: string): Promise<string> {
  const record = await client.room(room);
  if (!record?.active) throw new CliError('notInRoom', `this device is not in room ${room}`);
  if (record.kind !== 'group') throw new CliError('notGroup', `room ${room} is a 1:1 room, not a group`);
  return room;
}

const create: Command = {
  usage: 'parley group create --profile DIR [--name NAME] [--members H1,H2] [--json]',
  options: { name: { type: 'string' }, members: { type: 'string', multiple: true } },
  async run({ values, positionals, out }) {
    noPositionals(positionals);
    const name = optional(values, 'name');
    const members = handles(values, 'members');
    await withProfile(required(values, 'profile'), out, {}, async (p) => {
      await online(p);
      const room = await p.client.createRoom({
        kind: 'group',
        members: members(p.client),
        ...(name ? { name } : {}),
      });
      out.print(
        {
          type: 'room',
          room: room.id,
          kind: room.kind,
          ...(room.name ? { name: room.name } : {}),
          members: room.members,
        },
        room.id,
      );
    });
  },
};

function change(
  usage: string,
  act: (client: ParleyClient, room: string, members: string[]) => Promise<void>,
): Command {
  return {
    usage,
    options: { room: { type: 'string' }, member: { type: 'string', multiple: true } },
    async run({ values, positionals, out }) {
      noPositionals(positionals);
      const room = required(values, 'room');
      const members = handles(values, 'member');
      if (list(values, 'member').length === 0) throw new UsageError('--member is missing');
      await withProfile(required(values, 'profile'), out, {}, async (p) => {
        await online(p);
        await act(p.client, await groupRoom(p.client, room), members(p.client));
        const now = await p.client.members(room);
        out.print({ type: 'members', room, members: now }, `${room}: ${now.join(', ')}`);
      });
    },
  };
}

const leave: Command = {
  usage: 'parley group leave --profile DIR --room ROOM [--json]',
  options: { room: { type: 'string' } },
  async run({ values, positionals, out }) {
    noPositionals(positionals);
    const room = required(values, 'room');
    await withProfile(required(values, 'profile'), out, {}, async (p) => {
      await online(p);
      await p.client.leave(room);
      out.print({ type: 'left', room }, `left ${room}`);
    });
  },
};

export const groupCommands: Record<string, Command> = {
  'group create': create,
  'group add': change(
    'parley group add --profile DIR --room ROOM --member HANDLE [--json]',
    (c, room, users) => c.addMembers(room, users),
  ),
  'group remove': change(
    'parley group remove --profile DIR --room ROOM --member HANDLE [--json]',
    (c, room, users) => c.removeMembers(room, users),
  ),
  'group leave': leave,
};
