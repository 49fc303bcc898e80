// Three users with two devices each in one group: messages, a reply, a reaction, an edit, a delete, a removal and
// a new device joining. Every device ends with the same history (the removed ones up to their removal, the new one
// from its join).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SdkError } from '../src/errors.js';
import { type Device, errors, eventually, network, sees, view } from './support.js';

test('three users, two devices each, one group: every device ends with the same room history', async (t) => {
  const net = await network(t);
  const alice1 = await net.register('alice');
  const alice2 = await net.addDevice(alice1, 2);
  const bob1 = await net.register('bob');
  const bob2 = await net.addDevice(bob1, 2);
  const carol1 = await net.register('carol');
  const carol2 = await net.addDevice(carol1, 2);
  const everyone: Device[] = [alice1, alice2, bob1, bob2, carol1, carol2];

  const room = await alice1.client.createRoom({
    kind: 'group',
    members: ['bob', 'carol@a.localhost'],
    name: 'Team',
  });
  for (const d of everyone.slice(1)) await sees(d, 'joined', (e) => e.room === room.id);
  const all = ['alice@a.localhost', 'bob@a.localhost', 'carol@a.localhost'];
  for (const d of everyone) assert.deepEqual(await d.client.members(room.id), all, d.name);
  await eventually('everyone knows the room name', async () => {
    for (const d of everyone) if ((await d.client.room(room.id))?.name !== 'Team') return false;
    return true;
  });

  // Everyone talks, from both of their devices.
  const hello = await alice1.client.send(room.id, 'hello team');
  const fromBob = await bob2.client.send(room.id, 'hi from my laptop');
  await carol1.client.send(room.id, 'hey');
  const reply = await carol2.client.reply(hello.id, 'welcome!');
  await sees(alice2, 'message', (e) => e.id === reply.id);
  const like = await bob1.client.react(hello.id, '🎉');
  await sees(carol2, 'reaction', (e) => e.id === like.id);
  // alice edits from her other device, bob deletes from his phone what he wrote on his laptop.
  await eventually(
    'alice2 indexed bob’s message',
    async () => (await alice2.client.history(room.id)).length >= 4,
  );
  await alice2.client.edit(hello.id, 'hello, team');
  await sees(bob2, 'edit', (e) => e.target === hello.id);
  await sees(bob1, 'message', (e) => e.id === fromBob.id);
  await bob1.client.delete(fromBob.id);
  await sees(carol1, 'delete', (e) => e.target === fromBob.id);

  const settled = async (devices: Device[], length: number) =>
    eventually(`${length} messages everywhere`, async () => {
      for (const d of devices) if ((await d.client.history(room.id)).length !== length) return false;
      return true;
    });
  await settled(everyone, 4);
  const before = view(await alice1.client.history(room.id));
  for (const d of everyone) assert.deepEqual(view(await d.client.history(room.id)), before, d.name);
  assert.deepEqual(
    before.map((h) => [h.sender, h.text, h.edited, h.deleted, h.reactions]),
    [
      ['alice@a.localhost', 'hello, team', true, false, ['bob@a.localhost 🎉']],
      ['bob@a.localhost', '', false, true, []],
      ['carol@a.localhost', 'hey', false, false, []],
      ['carol@a.localhost', 'welcome!', false, false, []],
    ],
  );

  // bob removes carol: both her devices leave the room and read nothing after.
  await bob2.client.removeMembers(room.id, ['carol@a.localhost']);
  for (const d of [carol1, carol2]) {
    await sees(d, 'membership', (e) => e.room === room.id && e.removed.includes('carol@a.localhost'));
    assert.equal((await d.client.room(room.id))?.active, false);
  }
  for (const d of [alice1, alice2, bob1])
    await sees(d, 'membership', (e) => e.removed.includes('carol@a.localhost') && e.by === 'bob@a.localhost');
  await assert.rejects(
    carol1.client.send(room.id, 'let me back'),
    (e) => e instanceof SdkError && e.code === 'notInRoom',
  );

  // bob signs in on a third device: it joins the room by itself and reads what comes next.
  const bob3 = await net.addDevice(bob1, 3);
  everyone.push(bob3);
  await eventually('bob3 is in the room', async () => (await bob3.client.room(room.id))?.active === true);
  const members = ['alice@a.localhost', 'bob@a.localhost'];
  assert.deepEqual(await bob3.client.members(room.id), members);
  const later = await alice2.client.send(room.id, 'carol has left us; welcome, bob’s tablet');
  await sees(bob3, 'message', (e) => e.id === later.id);
  await bob3.client.reply(later.id, 'thanks');
  const stayed = [alice1, alice2, bob1, bob2, bob3];
  await settled([alice1, alice2, bob1, bob2], 6);
  await settled([bob3], 2);

  const final = view(await alice1.client.history(room.id));
  for (const d of [alice2, bob1, bob2])
    assert.deepEqual(view(await d.client.history(room.id)), final, d.name);
  assert.deepEqual(view(await bob3.client.history(room.id)), final.slice(4), 'bob3 from its join on');
  for (const d of [carol1, carol2]) assert.deepEqual(view(await d.client.history(room.id)), before, d.name);
  for (const d of stayed) assert.deepEqual(await d.client.members(room.id), members, d.name);
  for (const d of everyone) assert.deepEqual(errors(d), [], d.name);
});
