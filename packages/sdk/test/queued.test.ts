// A send the provider queues (202: the room's hub is another provider that has not answered) resolves without a
// seq; the message is indexed at once, shown last in the history, and gets its seq when its echo comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fetch } from '../src/transport/http.js';
import { errors, eventually, interceptedWebSocket, network, sees } from './support.js';

/**
 * A fetch that lets message submits through to the provider but answers them as a provider that queued them
 * would: 202 `{room, queued, clientId}`. The messages still land, so their echoes come back as they would once
 * the hub answers.
 */
function queueing(): { fetch: Fetch; queued: number } {
  const state = { fetch: undefined as unknown as Fetch, queued: 0 };
  state.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const submit = init?.method === 'POST' && /\/v1\/rooms\/[^/]+\/messages$/.test(String(input));
    if (!submit || !response.ok) return response;
    const body = JSON.parse(String(init.body)) as { clientId: string };
    const { room } = (await response.json()) as { room: string };
    state.queued++;
    return new Response(JSON.stringify({ room, queued: true, clientId: body.clientId }), {
      status: 202,
      headers: { 'content-type': 'application/json' },
    });
  };
  return state;
}

test('a queued send has no seq until its echo; the index then keeps the seq every device sees', async (t) => {
  const net = await network(t);
  const gate = queueing();
  // Alice's provider acts as if it were not the room's hub: a stream submit is refused (`forbidden`, as for a
  // room another provider orders), so the SDK submits over HTTP, where the gate queues it.
  const notHub = interceptedWebSocket((frame, { reply }) => {
    if (frame.type !== 'submit') return true;
    reply({
      type: 'error',
      ref: frame.ref,
      code: 'forbidden',
      message: 'Another provider orders this room.',
    });
    return false;
  });
  const alice = await net.register('alice', { fetch: gate.fetch, WebSocket: notHub });
  const bob = await net.register('bob');
  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob'] });
  await sees(bob, 'joined');

  const first = await bob.client.send(room.id, 'first, from bob');
  assert.equal(first.queued, false);
  await sees(alice, 'message', (e) => e.id === first.id);

  const hi = await alice.client.send(room.id, 'hi bob');
  assert.equal(gate.queued, 1, 'the submit went through the queueing provider');
  assert.deepEqual(hi, { id: hi.id, queued: true });
  const event = alice.events.find((e) => e.type === 'message' && e.id === hi.id);
  assert.equal(event?.type === 'message' ? event.seq : undefined, 0, 'the own event has seq 0 while queued');

  const got = await sees(bob, 'message', (e) => e.id === hi.id);
  assert.ok(got.seq > 0);
  await eventually('alice indexed the seq her echo brought', async () => {
    const h = await alice.client.history(room.id);
    return h.find((m) => m.id === hi.id)?.seq === got.seq;
  });
  const history = await alice.client.history(room.id);
  assert.deepEqual(
    history.map((m) => [m.text, m.seq, m.ts]),
    [
      ['first, from bob', first.seq, first.ts],
      ['hi bob', got.seq, got.ts],
    ],
  );
  assert.deepEqual(history, await bob.client.history(room.id));

  // An edit of a queued message is queued too; both echo, and the history reads as on bob's side.
  const next = await alice.client.send(room.id, 'still queued');
  await alice.client.edit(next.id, 'still queued, edited');
  await sees(bob, 'edit', (e) => e.target === next.id);
  await eventually('every queued entry of alice got its seq', async () =>
    (await alice.client.history(room.id)).every((m) => m.seq > 0),
  );
  const edited = await alice.client.history(room.id);
  assert.equal(edited.at(-1)?.text, 'still queued, edited');
  assert.deepEqual(edited, await bob.client.history(room.id));
  assert.deepEqual(errors(alice), []);
  assert.deepEqual(errors(bob), []);
});
