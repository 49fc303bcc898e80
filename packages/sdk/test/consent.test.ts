// Requests and reports as the SDK sends them: the calls and bodies the client API documents, addresses made
// canonical, messages found in the device's own index. The provider's consent endpoints are stood in for by the
// fetch (everything else is a real provider), so what is checked here is the SDK's side of the contract.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SdkError } from '../src/errors.js';
import type { Fetch } from '../src/transport/http.js';
import { network, sees } from './support.js';

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** Answers `/v1/requests…` and `/v1/reports` itself (and records them); passes everything else on. */
function consentProvider(answers: { requests?: unknown; status?: number; error?: string } = {}) {
  const calls: Call[] = [];
  const fetch: Fetch = async (input, init) => {
    const url = new URL(String(input));
    if (!/^\/v1\/(requests|reports)/.test(url.pathname)) return globalThis.fetch(input, init);
    calls.push({
      method: init?.method ?? 'GET',
      path: url.pathname,
      body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
    });
    if (answers.error)
      return Response.json({ error: { code: answers.error, message: 'no such user' } }, { status: 404 });
    if (url.pathname === '/v1/requests') return Response.json({ requests: answers.requests ?? [] });
    return Response.json({ ok: true }, { status: url.pathname === '/v1/reports' ? 202 : 200 });
  };
  return { fetch, calls };
}

test('requests lists first contacts; accept, decline and block answer for canonical addresses', async (t) => {
  const net = await network(t);
  const pending = [
    {
      from: 'alice@b.localhost',
      rooms: [
        { id: 'room1room1room1a', kind: 'direct' },
        { id: 'room2room2room2b', kind: 'group' },
      ],
      at: 1_700_000_000_000,
    },
  ];
  const provider = consentProvider({ requests: pending });
  const bob = await net.register('bob', { fetch: provider.fetch });

  assert.deepEqual(await bob.client.requests(), pending);
  assert.equal(await bob.client.accept(' Alice@B.localhost '), 'alice@b.localhost');
  assert.equal(await bob.client.decline('carol@c.localhost'), 'carol@c.localhost');
  assert.equal(await bob.client.block('mallory'), 'mallory@a.localhost', 'a bare name is of bob’s provider');
  assert.deepEqual(provider.calls, [
    { method: 'GET', path: '/v1/requests', body: undefined },
    { method: 'POST', path: '/v1/requests/accept', body: { user: 'alice@b.localhost' } },
    { method: 'POST', path: '/v1/requests/decline', body: { user: 'carol@c.localhost' } },
    { method: 'POST', path: '/v1/requests/block', body: { user: 'mallory@a.localhost' } },
  ]);

  // Answering oneself, or something that is no address, never reaches the provider.
  for (const bad of ['bob', 'bob@a.localhost', 'not an address@', '']) {
    await assert.rejects(
      bob.client.block(bad),
      (e) => e instanceof SdkError && e.code === 'invalidRequest',
      bad,
    );
  }
  assert.equal(provider.calls.length, 4);
});

test('a provider error keeps its code and status', async (t) => {
  const net = await network(t);
  const provider = consentProvider({ error: 'noSuchUser' });
  const bob = await net.register('bob', { fetch: provider.fetch });
  await assert.rejects(
    bob.client.accept('nobody@b.localhost'),
    (e) => e instanceof SdkError && e.code === 'noSuchUser' && e.status === 404,
  );
});

test('report finds the message in the index and sends its room and seq, with the reason', async (t) => {
  const net = await network(t);
  const provider = consentProvider();
  const alice = await net.register('alice', { fetch: provider.fetch });
  const bob = await net.register('bob');
  const room = await bob.client.createRoom({ kind: 'direct', members: ['alice'] });
  await sees(alice, 'joined');
  const spam = await bob.client.send(room.id, 'buy now');
  assert.equal(spam.queued, false);
  await sees(alice, 'message', (e) => e.id === spam.id);
  const mine = await alice.client.send(room.id, 'stop it');

  assert.deepEqual(await alice.client.report(spam.id.toUpperCase(), 'advertising'), {
    room: room.id,
    seq: spam.seq,
  });
  await alice.client.report(spam.id);
  assert.deepEqual(provider.calls, [
    { method: 'POST', path: '/v1/reports', body: { room: room.id, seq: spam.seq, reason: 'advertising' } },
    { method: 'POST', path: '/v1/reports', body: { room: room.id, seq: spam.seq } },
  ]);

  const refused = async (id: string, reason: string | undefined, code: string) =>
    assert.rejects(alice.client.report(id, reason), (e) => e instanceof SdkError && e.code === code);
  await refused('ab'.repeat(32), undefined, 'unknownMessage');
  await refused(mine.id, 'me', 'invalidRequest');
  await refused(spam.id, 'x'.repeat(1001), 'invalidRequest');
  assert.equal(provider.calls.length, 2, 'refused reports never reach the provider');
});
