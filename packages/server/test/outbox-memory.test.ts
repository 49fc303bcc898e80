// What the hub's outbox holds in memory (parley_outbox_held_messages): a message sent to other providers is kept
// until every peer owed it has it, then let go; a room with no remote member keeps nothing. Three real providers:
// a (the hub of alice's rooms), b (bob) and c (carol); c is made unreachable from a to make it lag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bounded, TestNetwork } from '@parley/testing';
import { type Device, eventually, register, saw } from './forge.js';

describe('what the outbox holds in memory', () => {
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;
  let alice: Device;
  let bob: Device;
  let carol: Device;
  let dave: Device;
  const devices: Device[] = [];

  before(async () => {
    net = await TestNetwork.create({ providers: 3 });
    await bounded('set-up', 60_000, async (step) => {
      step('register');
      alice = await register(net.url('a.localhost'), 'alice');
      dave = await register(net.url('a.localhost'), 'dave');
      bob = await register(net.url('b.localhost'), 'bob');
      carol = await register(net.url('c.localhost'), 'carol');
      devices.push(alice, dave, bob, carol);
    });
  });

  after(() =>
    bounded('shutdown', 60_000, async () => {
      await Promise.all(devices.map((d) => d.client.close()));
      await net.close();
    }),
  );

  const a = () => net.byDomain['a.localhost']!.provider;
  const held = async () => {
    const text = await (await fetch(`${net.url('a.localhost')}/metrics`)).text();
    const line = /^parley_outbox_held_messages (\d+)$/m.exec(text);
    assert.ok(line, 'a reports parley_outbox_held_messages');
    return Number(line[1]);
  };
  const owed = async (peer: string) => (await a().ctx.storage.federation.due(peer, 100)).length;

  /** alice's room with these members, each of whom accepted her request. */
  async function roomWith(kind: 'direct' | 'group', members: Device[]): Promise<string> {
    const room = (await alice.client.createRoom({ kind, members: members.map((m) => m.client.user!) })).id;
    await alice.client.send(room, `hello ${room}`);
    const asked = async (m: Device) =>
      (await m.client.requests()).some((r) => r.rooms.some((held) => held.id === room));
    const seen = (m: Device) => m.events.some((e) => e.type === 'message' && e.text === `hello ${room}`);
    for (const m of members) {
      await eventually(
        `${m.client.user} has alice's request or her message`,
        async () => seen(m) || (await asked(m)),
      );
      if (await asked(m)) await m.client.accept('alice@a.localhost');
      await saw(m, `hello ${room}`);
    }
    return room;
  }

  it('lets a message go once the one peer owed it has it', async () => {
    const room = await roomWith('direct', [bob]);
    for (let i = 0; i < 20; i++) await alice.client.send(room, `direct ${i}`);
    await saw(bob, 'direct 19');
    await eventually('a owes b nothing', async () => (await owed('b.localhost')) === 0);
    assert.equal(await held(), 0);
  });

  it('keeps a message while one of two peers lags, and lets it go when that one has it too', async () => {
    const room = await roomWith('group', [bob, carol]);
    await eventually(
      'a owes nothing',
      async () => (await owed('b.localhost')) + (await owed('c.localhost')) === 0,
    );
    const peers = a().ctx.federation.peers;
    peers.set('c.localhost', 'http://127.0.0.1:9'); // nothing listens there: every attempt to c fails
    try {
      for (let i = 0; i < 5; i++) await alice.client.send(room, `group ${i}`);
      await saw(bob, 'group 4');
      await eventually('b has all five', async () => (await owed('b.localhost')) === 0);
      assert.equal(await owed('c.localhost'), 5);
      assert.equal(await held(), 5, 'c still needs them');
    } finally {
      peers.set('c.localhost', net.url('c.localhost'));
    }
    a().ctx.outbox.kick('c.localhost');
    await saw(carol, 'group 4');
    await eventually('a owes c nothing', async () => (await owed('c.localhost')) === 0);
    assert.equal(await held(), 0);
  });

  it('keeps nothing for a room whose members are all on this provider', async () => {
    const room = (await alice.client.createRoom({ kind: 'direct', members: ['dave'] })).id;
    const peers = a().ctx.federation.peers;
    const urls = ['b.localhost', 'c.localhost'].map((d) => [d, net.url(d)] as const);
    for (const [d] of urls) peers.set(d, 'http://127.0.0.1:9'); // had anything been owed to a peer, it would wait
    try {
      for (let i = 0; i < 5; i++) await alice.client.send(room, `local ${i}`);
      assert.equal(await held(), 0);
    } finally {
      for (const [d, url] of urls) peers.set(d, url);
    }
  });
});
