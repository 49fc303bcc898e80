// Membership by commit: a removed member stops receiving, two members committing at once both get through (one
// after a staleEpoch retry), and a member who leaves is removed by the next committer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitGate, type Device, errors, eventually, network, sees } from './support.js';

const sameMembers = async (devices: Device[], room: string, expected: string[]) =>
  eventually(`members are ${expected.join(', ')}`, async () => {
    for (const d of devices) {
      if (JSON.stringify(await d.client.members(room)) !== JSON.stringify(expected)) return false;
    }
    return true;
  });

test('a removed member stops receiving', async (t) => {
  const net = await network(t);
  const [alice, bob, carol] = [
    await net.register('alice'),
    await net.register('bob'),
    await net.register('carol'),
  ];
  const room = await alice.client.createRoom({ kind: 'group', members: ['bob', 'carol'] });
  await sees(carol, 'joined');
  await alice.client.send(room.id, 'before');
  await sees(carol, 'message', (e) => e.text === 'before');

  await alice.client.removeMembers(room.id, ['carol']);
  await sees(carol, 'membership', (e) => e.removed.includes('carol@a.localhost'));
  const secret = await alice.client.send(room.id, 'after');
  await sees(bob, 'message', (e) => e.id === secret.id);
  await bob.client.send(room.id, 'also after');
  await sees(alice, 'message', (e) => e.text === 'also after');
  await carol.client.sync();
  await carol.client.idle();
  assert.deepEqual(
    carol.events.filter((e) => e.type === 'message').map((e) => e.type === 'message' && e.text),
    ['before'],
  );
  assert.equal((await carol.client.room(room.id))?.active, false);
  for (const d of [alice, bob, carol]) assert.deepEqual(errors(d), [], d.name);
});

test('two members commit at the same time: one wins, the other retries after catching up', async (t) => {
  const net = await network(t);
  const gate = commitGate();
  const alice = await net.register('alice');
  const bob = await net.register('bob', { fetch: gate.fetch });
  const [carol, dave, erin] = await Promise.all(['carol', 'dave', 'erin'].map((n) => net.register(n)));
  assert.ok(carol && dave && erin);
  const room = await alice.client.createRoom({ kind: 'group', members: ['bob', 'carol'] });
  await sees(bob, 'joined');
  await sees(carol, 'joined');

  // bob builds his commit adding erin and is held before sending it; meanwhile alice's commit adding dave lands.
  const bobAdds = bob.client.addMembers(room.id, ['erin']);
  await gate.waiting;
  await alice.client.addMembers(room.id, ['dave']);
  gate.release();
  await bobAdds;
  assert.deepEqual(gate.statuses, [409, 201], 'bob lost the epoch once, then got through');

  const everyone = [
    'alice@a.localhost',
    'bob@a.localhost',
    'carol@a.localhost',
    'dave@a.localhost',
    'erin@a.localhost',
  ];
  await sees(dave, 'joined');
  await sees(erin, 'joined');
  await sameMembers([alice, bob, carol, dave, erin], room.id, everyone);

  // The group still works for everyone: same epoch, same keys.
  const last = await erin.client.send(room.id, 'glad to be here');
  for (const d of [alice, bob, carol, dave]) await sees(d, 'message', (e) => e.id === last.id);
  for (const d of [alice, bob, carol, dave, erin]) assert.deepEqual(errors(d), [], d.name);
});

test('a member leaves: the next committer carries the proposal; the others keep talking', async (t) => {
  const net = await network(t);
  const [alice, bob, carol] = [
    await net.register('alice'),
    await net.register('bob'),
    await net.register('carol'),
  ];
  const room = await alice.client.createRoom({ kind: 'group', members: ['bob', 'carol'] });
  await sees(bob, 'joined');
  await sees(carol, 'joined');

  await carol.client.leave(room.id);
  await sees(carol, 'membership', (e) => e.removed.includes('carol@a.localhost'));
  await sameMembers([alice, bob], room.id, ['alice@a.localhost', 'bob@a.localhost']);
  assert.equal((await carol.client.room(room.id))?.active, false);
  const after = await bob.client.send(room.id, 'just us now');
  await sees(alice, 'message', (e) => e.id === after.id);
  for (const d of [alice, bob, carol]) assert.deepEqual(errors(d), [], d.name);
});
