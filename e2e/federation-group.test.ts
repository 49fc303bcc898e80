/**
 * One group across three providers, two devices per user: alice@a (the hub) creates it with bob@b and carol@c,
 * who accept her request; everyone talks; alice removes carol, who reads nothing after; alice adds dave@c; bob, on
 * a follower, adds erin@b (his commit is relayed to the hub). In the end every current device shows the same
 * history, and the room's sequence numbers have no holes on any provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SdkError } from '@parley/sdk';
import { backends, TestNetwork } from '@parley/testing';
import {
  addDevice,
  closeAll,
  type Device,
  eventually,
  register,
  view,
} from '../packages/sdk/test/support.js';

type Net = Awaited<ReturnType<typeof TestNetwork.create>>;
const WAIT = 60_000;

/** Waits until every device has indexed every text (as a placed message of the room). */
async function allSee(devices: Device[], room: string, texts: string[]) {
  let missing: string[] = [];
  await eventually(
    'every device has every message',
    async () => {
      missing = [];
      for (const d of devices) {
        const have = new Set((await d.client.history(room)).filter((h) => h.seq > 0).map((h) => h.text));
        const lacks = texts.filter((t) => !have.has(t));
        if (lacks.length > 0) missing.push(`${d.name} lacks ${lacks.join(' / ')}`);
      }
      return missing.length === 0;
    },
    WAIT,
  ).catch((e) => {
    throw new Error(missing.join('; '), { cause: e });
  });
}

async function inRoom(devices: Device[], room: string) {
  let missing: Device[] = [];
  await eventually(
    'every device is in the room',
    async () => {
      missing = [];
      for (const d of devices) if (!(await d.client.room(room))?.active) missing.push(d);
      return missing.length === 0;
    },
    WAIT,
  ).catch((e) => {
    const why = missing.map(
      (d) =>
        `${d.name}: ${d.events.filter((x) => x.type === 'error').map((x) => String((x as { error: unknown }).error))}`,
    );
    throw new Error(`not in the room: ${why.join('; ')}`, { cause: e });
  });
}

async function accepts(d: Device, from: string, room: string) {
  await eventually(
    `${d.name} has ${from}'s request`,
    async () =>
      (await d.client.requests()).some((r) => r.from === from && r.rooms.some((x) => x.id === room)),
    WAIT,
  );
  await d.client.accept(from);
}

/** Each device sends one message named after it; returns the texts. */
async function everyoneSays(devices: Device[], room: string, phase: string) {
  const texts: string[] = [];
  for (const d of devices) {
    const text = `${phase}: ${d.name} here`;
    await d.client.send(room, text);
    texts.push(text);
  }
  return texts;
}

/** The sequence numbers a provider holds of the room for these local users' devices, sorted, no repeats. */
async function heldSeqs(net: Net, domain: string, room: string, readers: [string, string[]][]) {
  const storage = net.byDomain[domain]!.provider.ctx.storage;
  const seqs = new Set<number>();
  for (const [handle, deviceIds] of readers) {
    for (const device of deviceIds) {
      const read = await storage.rooms.read(room, handle, 0, 10_000, device);
      assert.ok(read.ok, `${handle} may read on ${domain}`);
      for (const m of read.messages) seqs.add(m.seq);
    }
  }
  return [...seqs].sort((x, y) => x - y);
}

/** What the hub owes a follower of the room: every message but Welcomes to other providers' devices. */
async function owedSeqs(net: Net, room: string, follower: string) {
  const hub = net.byDomain['a.localhost']!.provider.ctx.storage;
  const all = (await hub.federation.history(room, follower, 0, 10_000)) ?? [];
  return all.filter((m) => !m.toUser || m.toUser.endsWith(`@${follower}`)).map((m) => m.seq);
}

/** `seqs` is exactly first, first+1, …, last. */
function assertRun(seqs: number[], first: number, last: number, what: string) {
  const expected = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  assert.deepEqual(
    seqs,
    expected,
    `${what}: the sequence numbers run without holes from ${first} to ${last}`,
  );
}

/** A follower holds exactly what the hub owes it, from its first local reader's arrival up to `to`. */
function assertHolds(held: number[], owed: number[], to: number, what: string) {
  assert.ok(held.length > 0, `${what} holds the room`);
  assert.equal(held.at(-1), to, `${what} holds the room up to ${to}`);
  assert.deepEqual(
    held,
    owed.filter((s) => s >= held[0]! && s <= to),
    `${what} misses nothing it is owed`,
  );
}

for (const backend of backends.filter((b) => b.name !== 'memory')) {
  describe(`a group across a, b and c (${backend.name})`, { skip: backend.skip, timeout: 300_000 }, () => {
    let net: Net;
    const devices: Device[] = [];
    // Hooks have limits of their own: the suite's stops a test that hangs but not a hook (a 2 s suite waited out
    // an 8 s \`before\`), and one fresh-clone run of this file once used up the file's 600 s without a word.
    before(
      async () => {
        net = await TestNetwork.create({ providers: 3, backend });
      },
      { timeout: 60_000 },
    );
    after(
      async () => {
        await closeAll(...devices);
        await net?.close();
      },
      { timeout: 60_000 },
    );
    const two = async (domain: string, handle: string) => {
      const first = await register(net.url(domain), handle);
      const second = await addDevice(net.url(domain), first, 2);
      devices.push(first, second);
      return [first, second] as const;
    };

    it('keeps one history on every device, a removed member out, and gapless sequences', async () => {
      const [alice1, alice2] = await two('a.localhost', 'alice');
      const [bob1, bob2] = await two('b.localhost', 'bob');
      const [carol1, carol2] = await two('c.localhost', 'carol');
      const [dave1, dave2] = await two('c.localhost', 'dave');
      const erin = await register(net.url('b.localhost'), 'erin');
      devices.push(erin);

      const room = (
        await alice1.client.createRoom({
          kind: 'group',
          members: ['bob@b.localhost', 'carol@c.localhost'],
          name: 'Three providers',
        })
      ).id;
      await accepts(bob1, 'alice@a.localhost', room);
      await accepts(carol2, 'alice@a.localhost', room);
      const founders = [alice1, alice2, bob1, bob2, carol1, carol2];
      await inRoom(founders, room);
      const first = await everyoneSays(founders, room, 'first');
      await allSee(founders, room, first);

      // alice removes carol: both of carol's devices learn it, and nothing said afterwards reaches them.
      await alice2.client.removeMembers(room, ['carol@c.localhost']);
      let removal = 0;
      for (const d of [carol1, carol2]) {
        await eventually(`${d.name} learns of the removal`, () =>
          d.events.some((e) => {
            if (e.type !== 'membership' || e.room !== room || !e.removed.includes('carol@c.localhost'))
              return false;
            removal = e.seq;
            return true;
          }),
        );
        await eventually(`${d.name} has left the room`, async () => !(await d.client.room(room))?.active);
      }
      await assert.rejects(
        carol1.client.send(room, 'let me back in'),
        (e) => e instanceof SdkError && e.code === 'notInRoom',
      );
      const stayed = [alice1, alice2, bob1, bob2];
      const second = await everyoneSays(stayed, room, 'second');
      await allSee(stayed, room, second);

      // alice adds dave@c, a stranger to c: a request he accepts. bob, on a follower, adds erin@b.
      await alice1.client.addMembers(room, ['dave@c.localhost']);
      await accepts(dave1, 'alice@a.localhost', room);
      await inRoom([dave1, dave2], room);
      await bob2.client.addMembers(room, ['erin@b.localhost']);
      await inRoom([erin], room);
      await eventually('alice learns that bob added erin', () =>
        alice1.events.some(
          (e) =>
            e.type === 'membership' && e.added.includes('erin@b.localhost') && e.by === 'bob@b.localhost',
        ),
      );
      const current = [alice1, alice2, bob1, bob2, dave1, dave2, erin];
      for (const d of current) {
        await eventually(`${d.name} lists the five members`, async () => {
          const members = await d.client.members(room);
          return ['alice', 'bob', 'dave', 'erin'].every((u) => members.some((m) => m.startsWith(`${u}@`)));
        });
        assert.ok(!(await d.client.members(room)).includes('carol@c.localhost'), d.name);
      }
      const third = await everyoneSays(current, room, 'third');
      await allSee(current, room, third);

      // Every current device shows the same history: the founders all of it, the newcomers from their arrival.
      for (const d of [...current, carol1, carol2]) await d.client.idle();
      const full = view(await alice1.client.history(room));
      assert.deepEqual(
        full.map((h) => h.text),
        [...first, ...second, ...third],
        'every message once, in the order sent',
      );
      for (let i = 1; i < full.length; i++) assert.ok(full[i - 1]!.seq < full[i]!.seq, 'in room order');
      for (const d of [alice2, bob1, bob2])
        assert.deepEqual(view(await d.client.history(room)), full, `${d.name} shows alice’s history`);
      for (const d of [dave1, dave2, erin]) {
        const mine = view(await d.client.history(room));
        assert.deepEqual(
          mine.map((h) => h.text),
          third,
          `${d.name} reads from its arrival on`,
        );
        assert.deepEqual(
          mine,
          full.filter((h) => h.seq >= mine[0]!.seq),
          d.name,
        );
      }

      // carol's history ends at her removal; no message event after it ever reached her devices.
      for (const d of [carol1, carol2]) {
        const hers = view(await d.client.history(room));
        assert.deepEqual(
          hers,
          full.filter((h) => h.seq < removal),
          `${d.name} ends at the removal`,
        );
        const late = d.events.filter(
          (e) => 'seq' in e && 'room' in e && e.room === room && (e.seq ?? 0) > removal,
        );
        assert.deepEqual(late, [], `${d.name} got nothing after the removal`);
      }
      // ...and c hands her nothing past it, while dave, on the same provider, reads on.
      const c = net.byDomain['c.localhost']!.provider.ctx.storage;
      for (const d of [carol1, carol2]) {
        const read = await c.rooms.read(room, 'carol', 0, 10_000, d.client.deviceId);
        assert.ok(read.ok);
        assert.ok(read.messages.length > 0);
        assert.ok(
          read.messages.every((m) => m.seq <= removal),
          'c serves carol nothing after her removal',
        );
      }

      // No holes: the hub numbers the room 1…last; each follower holds all the hub owes it while it has members.
      const hub = net.byDomain['a.localhost']!.provider.ctx.storage;
      const last = (await hub.rooms.getRoom(room))!.room.lastSeq;
      for (const domain of ['b.localhost', 'c.localhost']) {
        const copy = (await net.byDomain[domain]!.provider.ctx.storage.rooms.getRoom(room))!;
        assert.equal(copy.room.lastSeq, last, `${domain} is at the hub's last sequence number`);
        assert.equal(copy.room.hub, 'a.localhost');
      }
      const ids = (...ds: Device[]) => ds.map((d) => d.client.deviceId);
      const [owedB, owedC] = [
        await owedSeqs(net, room, 'b.localhost'),
        await owedSeqs(net, room, 'c.localhost'),
      ];
      const atHub = await heldSeqs(net, 'a.localhost', room, [['alice', ids(alice1, alice2)]]);
      assertRun(
        [...new Set([...atHub, ...owedB, ...owedC])].sort((x, y) => x - y),
        1,
        last,
        'the hub',
      );
      const onB = await heldSeqs(net, 'b.localhost', room, [
        ['bob', ids(bob1, bob2)],
        ['erin', ids(erin)],
      ]);
      assertHolds(onB, owedB, last, 'b');
      const forCarol = await heldSeqs(net, 'c.localhost', room, [['carol', ids(carol1, carol2)]]);
      assertHolds(forCarol, owedC, removal, 'c, for carol');
      const forDave = await heldSeqs(net, 'c.localhost', room, [['dave', ids(dave1, dave2)]]);
      assertHolds(forDave, owedC, last, 'c, for dave');
      assert.ok(
        full.every((h) => onB.includes(h.seq)),
        'b holds every message of the room',
      );
      assert.ok(
        full.filter((h) => h.seq < removal).every((h) => forCarol.includes(h.seq)),
        'c held every message carol was there for',
      );

      for (const d of [...current, carol1, carol2])
        assert.deepEqual(
          d.events.filter((e) => e.type === 'error').map((e) => String((e as { error: unknown }).error)),
          [],
          `${d.name} had no errors`,
        );
    });
  });
}
