// The outbox's promises, against a peer that never answers: items wait with backoff and are not lost; an item
// still undelivered after the give-up period is dropped and its device told (GET /v1/undelivered). And against a
// peer that asks it to wait (429 with Retry-After): it is not asked again sooner.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, DeviceClient, startTestProvider, TestNetwork, type TestProvider } from '@parley/testing';

const DAY = 24 * 3600 * 1000;

/** A submit item of alice@a's, for a room no provider has (a peer that answers refuses it). */
const submitItem = (device: string, clientId: string) =>
  new TextEncoder().encode(
    JSON.stringify({
      room: 'roomroomroomroom',
      sender: 'mimi://a.localhost/u/alice',
      device,
      clientId,
      payload: 'AAAA',
    }),
  );

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

  const submit = (clientId: string) => submitItem(alice.deviceId, clientId);
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

  it('reads owed messages from memory when it has them, and from storage when it does not', async () => {
    const store = a.provider.ctx.storage.federation;
    const bob = await DeviceClient.register(a.url, 'bob');
    const room = await alice.createRoom(['bob']);
    const { seq } = await alice.submit(room, 'stored');
    await bob.sync();
    await store.enqueue([{ destination: 'nowhere.localhost', kind: 'notify', room, seq }], Date.now());
    const fromStorage = (await store.due('nowhere.localhost', 10))[0]!;
    assert.equal(new TextDecoder().decode(fromStorage.message!.payload), 'stored');
    // What memory holds is used as it is (a marker payload shows it was not read back)...
    const marker = { ...fromStorage.message!, payload: new TextEncoder().encode('from memory') };
    const asked: string[] = [];
    const known = (r: string, s: number) => {
      asked.push(`${r}:${s}`);
      return r === room && s === seq ? marker : undefined;
    };
    const fromMemory = (await store.due('nowhere.localhost', 10, known))[0]!;
    assert.equal(fromMemory.message, marker);
    assert.deepEqual({ ...fromMemory, message: undefined }, { ...fromStorage, message: undefined });
    assert.deepEqual(asked, [`${room}:${seq}`]);
    // ...and a message it lacks is read from storage.
    const missing = (await store.due('nowhere.localhost', 10, () => undefined))[0]!;
    assert.equal(new TextDecoder().decode(missing.message!.payload), 'stored');
    await store.delivered([fromStorage]);
  });

  it('sends what memory holds up to the first item it lacks (a commit may be under way), else reads it all', async () => {
    const store = a.provider.ctx.storage.federation;
    const room = await alice.createRoom(['bob']);
    const seqs: number[] = [];
    for (const text of ['one', 'two', 'three']) seqs.push((await alice.submit(room, text)).seq);
    const ids = await store.enqueue(
      seqs.map((seq) => ({ destination: 'later.localhost', kind: 'notify' as const, room, seq })),
      Date.now(),
    );
    const read = await store.due('later.localhost', 10);
    const bySeq = new Map(read.map((e) => [e.message!.seq, e.message!]));
    // Memory has the first and third: the batch stops before the second.
    const partial = await store.due('later.localhost', 10, (r, seq) =>
      r === room && seq !== seqs[1] ? bySeq.get(seq) : undefined,
    );
    assert.deepEqual(
      partial.map((e) => e.id),
      [ids[0]],
    );
    // Memory lacks the oldest: everything is read from storage.
    const whole = await store.due('later.localhost', 10, (r, seq) =>
      r === room && seq !== seqs[0] ? bySeq.get(seq) : undefined,
    );
    assert.deepEqual(
      whole.map((e) => new TextDecoder().decode(e.message!.payload)),
      ['one', 'two', 'three'],
    );
    await store.delivered(read);
  });
});

describe('the outbox against a peer that asks it to wait', () => {
  // b lets a through once every 2 s (a bucket of one token), and says so in its 429's Retry-After.
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;
  let alice: DeviceClient;
  before(async () => {
    net = await TestNetwork.create({
      providers: 2,
      config: (domain) =>
        domain === 'b.localhost' ? { federation: { peerLimit: { capacity: 1, perMinute: 30 } } } : {},
    });
    alice = await DeviceClient.register(net.url('a.localhost'), 'alice');
  });
  after(() => net?.close());

  it('waits as long as the 429 says before it tries again, and then delivers', async () => {
    const a = net.byDomain['a.localhost']!.provider.ctx;
    const b = net.byDomain['b.localhost']!.provider.ctx;
    const deliver = async (clientId: string) => {
      await a.storage.federation.enqueue(
        [
          {
            destination: 'b.localhost',
            kind: 'submit',
            device: alice.deviceId,
            body: submitItem(alice.deviceId, clientId),
          },
        ],
        Date.now(),
      );
      a.outbox.kick('b.localhost');
      for (let i = 0; i < 100; i++) {
        if ((await a.storage.federation.due('b.localhost', 10)).length === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`${clientId} was not delivered to b within 10 s`);
    };
    const refusedByB = async () =>
      (await b.metrics.requests.get()).values
        .filter((v) => v.labels.route === '/federation/v1/submitMessage' && v.labels.status === 429)
        .reduce((sum, v) => sum + v.value, 0);
    await deliver('first'); // takes b's one token
    const started = Date.now();
    await deliver('second'); // refused once with Retry-After, then let through
    const waited = Date.now() - started;
    // Without Retry-After the backoff's retries come within a second (the network's 50 ms base, 1 s cap) and are
    // refused again until the token is back: more than one 429.
    assert.equal(await refusedByB(), 1, 'asked once too early, not again');
    assert.ok(waited >= 1000, `waited ${waited} ms`);
  });
});
