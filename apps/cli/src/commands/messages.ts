// parley send / reply / react / edit / delete. Each goes online first (the room may have moved on since the
// last run: its commits must be processed before this device can encrypt for it), sends one thing and prints
// the new message's id. Messages are found by id in the profile's message index, which knows their room.
import type { ParleyClient, Sent } from '@parley/sdk';
import { handle, noPositionals, optional, required, text } from '../client/args.js';
import type { Command, Invocation } from '../client/command.js';
import { UsageError } from '../client/errors.js';
import { online, type Profile, withProfile } from '../client/profile.js';

/** Goes online with the profile, sends (to the room `send` returns) and prints the new message's id. */
async function sending(
  { values, out }: Invocation,
  send: (p: Profile) => Promise<{ room: string; sent: Sent }>,
): Promise<void> {
  await withProfile(required(values, 'profile'), out, {}, async (p) => {
    await online(p);
    const { room, sent } = await send(p);
    // A queued message (the room's hub, another provider, has not answered yet) has no seq until it echoes.
    const place = sent.queued ? { queued: true } : { seq: sent.seq };
    out.print({ type: 'sent', room, id: sent.id, ...place }, sent.id);
  });
}

/** The active 1:1 room with `user`, made when there is none. */
async function directRoom(client: ParleyClient, user: string): Promise<string> {
  const found = (await client.rooms()).find(
    (r) =>
      r.active && !r.leaving && r.kind === 'direct' && r.members.length === 2 && r.members.includes(user),
  );
  return found ? found.id : (await client.createRoom({ kind: 'direct', members: [user] })).id;
}

const send: Command = {
  usage: 'parley send --profile DIR (--to HANDLE | --room ROOM) [--json] TEXT',
  options: { to: { type: 'string' }, room: { type: 'string' } },
  async run(input) {
    const to = optional(input.values, 'to');
    const room = optional(input.values, 'room');
    if ((to === undefined) === (room === undefined))
      throw new UsageError('give either --to HANDLE or --room ROOM');
    const body = text(input.positionals);
    await sending(input, async ({ client }) => {
      const domain = client.user.slice(client.user.indexOf('@') + 1);
      const target = room ?? (await directRoom(client, handle(to ?? '', domain)));
      return { room: target, sent: await client.send(target, body) };
    });
  },
};

/** A command about one message (`--message ID`), with a text argument named `what` or none. */
function onMessage(
  usage: string,
  what: string | undefined,
  act: (client: ParleyClient, id: string, body: string) => Promise<Sent>,
): Command {
  return {
    usage,
    options: { message: { type: 'string' } },
    async run(input) {
      const id = required(input.values, 'message').trim().toLowerCase();
      let body = '';
      if (what) body = text(input.positionals, what);
      else noPositionals(input.positionals);
      await sending(input, async ({ client, store }) => {
        const sent = await act(client, id, body);
        return { room: (await store.message(id))?.room ?? '', sent };
      });
    },
  };
}

export const messageCommands: Record<string, Command> = {
  send,
  reply: onMessage('parley reply --profile DIR --message ID [--json] TEXT', 'TEXT', (c, id, body) =>
    c.reply(id, body),
  ),
  react: onMessage('parley react --profile DIR --message ID [--json] EMOJI', 'EMOJI', (c, id, body) =>
    c.react(id, body),
  ),
  edit: onMessage('parley edit --profile DIR --message ID [--json] TEXT', 'TEXT', (c, id, body) =>
    c.edit(id, body),
  ),
  delete: onMessage('parley delete --profile DIR --message ID [--json]', undefined, (c, id) => c.delete(id)),
};
