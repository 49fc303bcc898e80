// The outbox's promises, against a peer that never answers: items wait with backoff and are not lost; an item
// still undelivered after the give-up period is dropped and its device told (GET /v1/undelivered).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, DeviceClient, startTestProvider, type TestProvider } from '@parley/testing';

const DAY = 24 * 3600 * 1000;

describe('the outbox against a dead peer', () => {
  let a: TestProvider;
  let alice: DeviceClient;
  before(async () => {
    a = await startTestProvider(backends.find((b) => b.name === 'sqlite')!, {
      federation: { retryBaseMs: 20, retryCapMs: 100, giveUpAfterMs: 5 * DAY },
    });
    // Nothing listens on port 9 of the loopback: every attempt fails at once.
    a.provider.ctx.federation.peers.set('dead.localhost', 'http://127.0.0.1:9');
    alice = await DeviceClient.register(a.url, 'alice');
  });
  after(() => a?.close());

  const submit = (clientId: string) =>
    new TextEncoder().encode(
      JSON.stringify({
        room: 'roomroomroomroom',
        sender: 'mimi://a.localhost/u/alice',
        device: alice.deviceId,
        clientId,
        payload: 'AAAA',
      }),
    );
  const settle = () => new Promise((r) => setTimeout(r, 600));

  it('keeps retrying a fresh item: nothing is dropped, attempts are counted', async () => {
    const store = a.provider.ctx.storage.federation;
    const [id] = await store.enqueue(
      [{ destination: 'dead.localhost', kind: 'submit', device: alice.deviceId, body: submit('fresh') }],
      Date.now(),
    );
    a.provider.ctx.outbox.kick('dead.localhost');
    await settle();
    const due = await store.due('dead.localhost', 10);
    const item = due.find((e) => e.id === id);
    assert.ok(item, 'the item is still queued');
    assert.ok(item.attempts >= 2, `retried with backoff (${item.attempts} attempts)`);
    assert.deepEqual((await alice.call('GET', '/v1/undelivered')).body.undelivered, []);
  });

  it('gives up on an item older than the give-up period and tells its device', async () => {
    const store = a.provider.ctx.storage.federation;
    await store.enqueue(
      [{ destination: 'dead.localhost', kind: 'submit', device: alice.deviceId, body: submit('old') }],
      Date.now() - 6 * DAY,
    );
    a.provider.ctx.outbox.kick('dead.localhost');
    let undelivered: { room: string; clientId: string; reason: string }[] = [];
    for (let i = 0; i < 50 && undelivered.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      undelivered = (await alice.call('GET', '/v1/undelivered')).body.undelivered;
    }
    assert.deepEqual(
      undelivered.map((u) => [u.room, u.clientId, u.reason]),
      [['roomroomroomroom', 'old', 'undeliverable']],
    );
    const left = await store.due('dead.localhost', 10);
    assert.ok(!left.some((e) => new TextDecoder().decode(e.body!).includes('"old"')), 'the old item is gone');
  });

  it('drops items for a domain that is no peer at all, telling the device', async () => {
    const store = a.provider.ctx.storage.federation;
    await store.enqueue(
      [
        {
          destination: 'stranger.localhost',
          kind: 'submit',
          device: alice.deviceId,
          body: submit('nowhere'),
        },
      ],
      Date.now(),
    );
    a.provider.ctx.outbox.kick('stranger.localhost');
    await settle();
    assert.deepEqual(await store.due('stranger.localhost', 10), []);
    const reasons = (await alice.call('GET', '/v1/undelivered')).body.undelivered.map(
      (u: { clientId: string; reason: string }) => `${u.clientId}:${u.reason}`,
    );
    assert.ok(reasons.includes('nowhere:refused'), reasons.join(', '));
  });
});
