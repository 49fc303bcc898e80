// parley rooms: the rooms this device knows, with their members (after catching up), left ones marked.
import { noPositionals, required } from '../client/args.js';
import type { Command } from '../client/command.js';
import { online, withProfile } from '../client/profile.js';

const rooms: Command = {
  usage: 'parley rooms --profile DIR [--json]',
  options: {},
  async run({ values, positionals, out }) {
    noPositionals(positionals);
    await withProfile(required(values, 'profile'), out, {}, async (p) => {
      await online(p);
      for (const r of await p.client.rooms()) {
        const active = r.active && !r.leaving;
        out.print(
          {
            type: 'room',
            room: r.id,
            kind: r.kind,
            ...(r.name ? { name: r.name } : {}),
            members: r.members,
            active,
          },
          `${r.id}  ${r.kind}${r.name ? `  "${r.name}"` : ''}  ${r.members.join(', ')}${active ? '' : '  (left)'}`,
        );
      }
    });
  },
};

export const roomsCommands: Record<string, Command> = { rooms };
