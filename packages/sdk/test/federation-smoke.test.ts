import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backends, startTestNetwork } from '@parley/testing';
import { closeAll, eventually, register, sees } from './support.js';

test('alice on a and bob on b: request, accept, chat both ways', async (t) => {
  const net = await startTestNetwork(2, backends.find((b) => b.name === 'memory')!, {
    federation: { retryBaseMs: 50, retryCapMs: 500 },
  } as never);
  t.after(() => net.close());
  const alice = await register(net.byDomain['a.localhost']!.url, 'alice');
  const bob = await register(net.byDomain['b.localhost']!.url, 'bob');
  t.after(() => closeAll(alice, bob));
  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] });
  await alice.client.send(room.id, 'hello bob');
  let requests: unknown[] = [];
  await eventually('bob has a request', async () => {
    requests = await bob.client.requests();
    return requests.length > 0;
  });
  console.log(JSON.stringify(requests));
  await bob.client.accept('alice@a.localhost');
  await sees(bob, 'message', (m) => m.text === 'hello bob');
  await bob.client.send(room.id, 'hi alice');
  await sees(alice, 'message', (m) => m.text === 'hi alice');
  assert.ok(true);
});
