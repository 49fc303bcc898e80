// Two providers: alice@a.localhost writes to bob@b.localhost for the first time. bob sees her request and nothing
// else until he accepts; then they talk. While a.localhost (the room's hub) is out of b's reach, bob's message is
// queued by b: it resolves without a seq, and gets the seq alice sees once it comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestNetwork } from '@parley/testing';
import { closeAll, type Device, errors, eventually, register, sees, view } from './support.js';

test('bob accepts alice’s request; his message queued while her provider is away gets its seq', async (t) => {
  const net = await TestNetwork.create({
    providers: 2,
    config: { federation: { retryBaseMs: 20, retryCapMs: 200, submitWaitMs: 300 } },
  });
  const devices: Device[] = [];
  t.after(async () => {
    await closeAll(...devices);
    await net.close();
  });
  const b = net.byDomain['b.localhost']!;
  const alice = await register(net.url('a.localhost'), 'alice');
  const bob = await register(net.url('b.localhost'), 'bob');
  devices.push(alice, bob);

  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] });
  await eventually('bob has a request from alice', async () => (await bob.client.requests()).length > 0);
  const [request, ...more] = await bob.client.requests();
  assert.deepEqual(more, []);
  assert.deepEqual(
    { ...request, at: 0 },
    { from: 'alice@a.localhost', rooms: [{ id: room.id, kind: 'direct' }], at: 0 },
  );
  assert.deepEqual(await bob.client.rooms(), [], 'nothing of the room before bob answers');
  assert.equal(bob.events.length, 0);

  assert.equal(await bob.client.accept('alice@a.localhost'), 'alice@a.localhost');
  assert.deepEqual(await bob.client.requests(), []);
  await sees(bob, 'joined', (e) => e.room === room.id);
  const hello = await alice.client.send(room.id, 'hello bob');
  assert.equal(hello.queued, false);
  assert.equal((await sees(bob, 'message', (e) => e.id === hello.id)).seq, hello.seq);

  // a.localhost is out of b's reach: b keeps bob's message queued and answers 202.
  b.provider.ctx.federation.peers.set('a.localhost', 'http://127.0.0.1:9');
  const queued = await bob.client.send(room.id, 'are you there?');
  assert.deepEqual(queued, { id: queued.id, queued: true });
  assert.deepEqual(
    (await bob.client.history(room.id)).map((h) => [h.text, h.seq]),
    [
      ['hello bob', hello.seq],
      ['are you there?', 0],
    ],
  );

  b.provider.ctx.federation.peers.set('a.localhost', net.url('a.localhost'));
  const got = await sees(alice, 'message', (e) => e.id === queued.id);
  assert.equal(got.sender, 'bob@b.localhost');
  await eventually('bob’s index has the seq of his echo', async () =>
    (await bob.client.history(room.id)).every((h) => h.seq > 0),
  );
  const history = await bob.client.history(room.id);
  assert.equal(history.at(-1)?.seq, got.seq);
  assert.deepEqual(view(history), view(await alice.client.history(room.id)));
  assert.deepEqual(errors(alice), []);
  assert.deepEqual(errors(bob), []);
});
