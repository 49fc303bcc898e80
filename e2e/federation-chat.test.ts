/**
 * A direct chat across providers, as its users live it: alice@a.localhost writes to bob@b.localhost, whose provider
 * holds the first contact in Requests until bob accepts; then they chat both ways (reply, reaction, edit) and both
 * devices show the same history. A decline is silent to the sender; a block holds against later messages and new
 * rooms while other users of the same provider still reach the blocker as requests. On every file backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, TestNetwork } from '@parley/testing';
import {
  addDevice,
  closeAll,
  type Device,
  eventually,
  register,
  sees,
  view,
} from '../packages/sdk/test/support.js';

type Net = Awaited<ReturnType<typeof TestNetwork.create>>;

const A = 'a.localhost';
const B = 'b.localhost';

/** The messages (texts) a device was told about in a room. */
const texts = (d: Device, room: string) =>
  d.events.flatMap((e) => (e.type === 'message' && e.room === room ? [e.text] : []));

/** Every event a device got that names the room (a message, a join, a membership change…). */
const roomEvents = (d: Device, room: string) => d.events.filter((e) => 'room' in e && e.room === room);

/** Waits until `device` lists a request from `from` that holds `room`. */
async function requestArrives(d: Device, from: string, room: string) {
  await eventually(`${d.name} has ${from}'s request for ${room}`, async () =>
    (await d.client.requests()).some((r) => r.from === from && r.rooms.some((x) => x.id === room)),
  );
}

/** Waits until the hub on `from` has handed everything owed to `to` over (its outbox to `to` is empty). */
async function drained(net: Net, from: string, to: string) {
  const storage = net.byDomain[from]!.provider.ctx.storage;
  await eventually(`${from} has delivered everything to ${to}`, async () => {
    return (await storage.federation.due(to, 1)).length === 0;
  });
}

/** Makes the device fetch all it may read and finish processing, so that "nothing came" means something. */
async function settle(...devices: Device[]) {
  for (const d of devices) {
    await d.client.sync();
    await d.client.idle();
  }
}

/**
 * What alice's side (her provider and her device) shows about a direct room with `peer`, with the peer's name
 * and the texts written out: a pending request and a declined one must give the same picture.
 */
async function senderSide(net: Net, alice: Device, room: string, peer: string) {
  const storage = net.byDomain[A]!.provider.ctx.storage;
  const hide = (s: string) => s.replaceAll(peer, 'PEER');
  const stored = (await storage.rooms.getRoom(room))!;
  return {
    room: { kind: stored.room.kind, lastSeq: stored.room.lastSeq, hub: stored.room.hub },
    members: stored.members.map((m) => ({ ...m, handle: hide(m.handle) })),
    consent: (await storage.federation.consent('alice', peer)) ?? null,
    // What b answers when a asks where alice stands with the peer (MIMI requestConsent).
    asked: await net.byDomain[A]!.provider.ctx.federation.client.post(B, 'requestConsent', {
      requester: 'mimi://a.localhost/u/alice',
      target: `mimi://b.localhost/u/${peer.split('@')[0]}`,
    }).then((r) => (r.ok ? { status: r.status, body: r.body } : r.reason)),
    outbox: (await storage.federation.due(B, 100)).length,
    undelivered: await storage.federation.undeliveredFor(alice.client.deviceId),
    clientMembers: (await alice.client.members(room)).map(hide).sort(),
    events: roomEvents(alice, room).map((e) => `${e.type} ${'sender' in e ? hide(e.sender) : ''}`),
    history: view(await alice.client.history(room)).map((h) => ({ ...h, text: '…' })),
    errors: alice.events.filter((e) => e.type === 'error').length,
  };
}

for (const backend of backends.filter((b) => b.name !== 'memory')) {
  describe(`a direct chat from a.localhost to b.localhost (${backend.name})`, {
    skip: backend.skip,
    timeout: 240_000,
  }, () => {
    let net: Net;
    const devices: Device[] = [];
    const user = async (domain: string, handle: string) => {
      const d = await register(net.url(domain), handle);
      devices.push(d);
      return d;
    };
    let alice: Device;

    before(async () => {
      net = await TestNetwork.create({ providers: 2, backend });
      alice = await user(A, 'alice');
    });
    after(async () => {
      await closeAll(...devices);
      await net?.close();
    });

    it('holds alice’s first message in Requests until bob accepts, then they chat both ways', async () => {
      const bob = await user(B, 'bob');
      const room = await alice.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] });
      const hello = await alice.client.send(room.id, 'hello bob, it is alice');
      assert.equal(hello.queued, false, 'the hub is alice’s own provider: it orders her message at once');

      await requestArrives(bob, 'alice@a.localhost', room.id);
      // b holds the message (its copy of the room is at alice's message), yet bob's device got nothing of it.
      const held = net.byDomain[B]!.provider.ctx.storage;
      await eventually('b stores alice’s message', async () => {
        return ((await held.rooms.getRoom(room.id))?.room.lastSeq ?? 0) >= hello.seq!;
      });
      await settle(bob);
      assert.deepEqual(roomEvents(bob, room.id), [], 'nothing of the room reaches bob before he accepts');
      assert.deepEqual(await bob.client.history(room.id), []);
      assert.ok(!(await bob.client.rooms()).some((r) => r.id === room.id), 'the room is not among bob’s');

      assert.equal(await bob.client.accept('alice@a.localhost'), 'alice@a.localhost');
      const first = await sees(bob, 'message', (m) => m.room === room.id);
      assert.equal(first.text, 'hello bob, it is alice');
      assert.equal(first.sender, 'alice@a.localhost');
      assert.deepEqual(await bob.client.requests(), [], 'the answered request is gone');

      const reply = await bob.client.reply(first.id, 'hi alice, bob here');
      await bob.client.react(first.id, '🦜');
      await bob.client.edit(reply.id, 'hi alice, bob here (edited)');
      await sees(alice, 'message', (m) => m.id === reply.id && m.replyTo === first.id);
      await sees(alice, 'reaction', (r) => r.target === first.id && r.reaction === '🦜');
      await sees(alice, 'edit', (e) => e.target === reply.id && e.text === 'hi alice, bob here (edited)');

      const expected = [
        { sender: 'alice@a.localhost', text: 'hello bob, it is alice', reactions: ['bob@b.localhost 🦜'] },
        { sender: 'bob@b.localhost', text: 'hi alice, bob here (edited)', reactions: [] },
      ];
      let both: [unknown, unknown] = [undefined, undefined];
      await eventually('alice and bob show the same, fully placed history', async () => {
        both = [view(await alice.client.history(room.id)), view(await bob.client.history(room.id))];
        return (both[1] as { seq: number }[]).every((h) => h.seq > 0);
      });
      assert.deepEqual(both[1], both[0], 'bob’s history is alice’s');
      const shown = both[0] as ReturnType<typeof view>;
      assert.deepEqual(
        shown.map((h) => ({ sender: h.sender, text: h.text, reactions: h.reactions })),
        expected,
      );
      assert.equal(shown[1]!.replyTo, first.id);
      assert.ok(shown[0]!.seq < shown[1]!.seq, 'in the hub’s order');
      assert.equal(shown[1]!.edited, true);
    });

    it('never tells alice that carol declined, and carol gets nothing, even later', async () => {
      const carol = await user(B, 'carol');
      const frank = await user(B, 'frank'); // never answers: the picture a decline must look like
      const toCarol = await alice.client.createRoom({ kind: 'direct', members: ['carol@b.localhost'] });
      const toFrank = await alice.client.createRoom({ kind: 'direct', members: ['frank@b.localhost'] });
      await alice.client.send(toCarol.id, 'carol, a first word');
      await alice.client.send(toFrank.id, 'frank, a first word');
      await requestArrives(carol, 'alice@a.localhost', toCarol.id);
      await requestArrives(frank, 'alice@a.localhost', toFrank.id);

      assert.equal(await carol.client.decline('alice@a.localhost'), 'alice@a.localhost');
      assert.deepEqual(await carol.client.requests(), []);
      const later = await alice.client.send(toCarol.id, 'carol, are you there?');
      const laterToFrank = await alice.client.send(toFrank.id, 'frank, are you there?');
      assert.equal(later.queued, false, 'alice’s send succeeds as before');
      assert.equal(laterToFrank.queued, false);

      await drained(net, A, B);
      await settle(carol, frank, alice);
      assert.deepEqual(roomEvents(carol, toCarol.id), [], 'carol got nothing of the room');
      assert.deepEqual(await carol.client.history(toCarol.id), []);
      assert.deepEqual(await carol.client.requests(), [], 'the request does not come back');
      assert.deepEqual(texts(frank, toFrank.id), [], 'a pending request delivers nothing either');

      // Alice's provider and device show the same for the declined request as for the pending one.
      const declined = await senderSide(net, alice, toCarol.id, 'carol@b.localhost');
      const pending = await senderSide(net, alice, toFrank.id, 'frank@b.localhost');
      assert.deepEqual(declined, pending);
      assert.deepEqual(declined.asked, { status: 200, body: { state: 'pending' } });
      assert.equal(declined.outbox, 0);
      assert.deepEqual(declined.undelivered, []);
      assert.deepEqual(declined.clientMembers, ['PEER', 'alice@a.localhost']);
      assert.equal(declined.errors, 0);
    });

    it('keeps whatever alice sends from dave once he blocked her, while erin still reaches him', async (t) => {
      const dave = await user(B, 'dave');
      const erin = await user(A, 'erin');
      const first = await alice.client.createRoom({ kind: 'direct', members: ['dave@b.localhost'] });
      await alice.client.send(first.id, 'dave, hello');
      await requestArrives(dave, 'alice@a.localhost', first.id);

      assert.equal(await dave.client.block('alice@a.localhost'), 'alice@a.localhost');
      await alice.client.send(first.id, 'dave, why no answer?');
      // A new room is either refused on a's side (no KeyPackages are handed out for a blocked requester) or
      // made; in both cases nothing of it may reach dave.
      const second = await alice.client
        .createRoom({ kind: 'direct', members: ['dave@b.localhost'] })
        .then(async (r) => {
          await alice.client.send(r.id, 'dave, a fresh start?');
          return r.id;
        })
        .catch((e: { code?: string }) => {
          assert.equal(e.code, 'noKeyPackages', String(e));
          return undefined;
        });

      t.diagnostic(second ? 'alice could make a new room with dave' : 'a new room with dave: noKeyPackages');
      const fromErin = await erin.client.createRoom({ kind: 'direct', members: ['dave@b.localhost'] });
      await erin.client.send(fromErin.id, 'dave, erin here');
      await requestArrives(dave, 'erin@a.localhost', fromErin.id);
      await drained(net, A, B);
      await settle(dave);
      const requests = await dave.client.requests();
      assert.deepEqual(
        requests.map((r) => r.from),
        ['erin@a.localhost'],
        'alice’s requests stay away, erin’s comes',
      );
      for (const room of [first.id, second].filter((r) => r !== undefined))
        assert.deepEqual(roomEvents(dave, room), [], `nothing of ${room} reaches dave`);
      assert.ok(!dave.events.some((e) => 'sender' in e && e.sender === 'alice@a.localhost'));

      await dave.client.accept('erin@a.localhost');
      await sees(dave, 'message', (m) => m.room === fromErin.id && m.text === 'dave, erin here');
      await alice.client.send(first.id, 'dave, last try');
      await erin.client.send(fromErin.id, 'dave, erin again');
      await sees(dave, 'message', (m) => m.text === 'dave, erin again');
      await drained(net, A, B);
      await settle(dave);
      assert.ok(!dave.events.some((e) => 'sender' in e && e.sender === 'alice@a.localhost'));
    });

    it('keeps a blocked sender out of a room the blocker had accepted', async () => {
      const gus = await user(B, 'gus');
      const room = await alice.client.createRoom({ kind: 'direct', members: ['gus@b.localhost'] });
      await alice.client.send(room.id, 'gus, hi');
      await requestArrives(gus, 'alice@a.localhost', room.id);
      await gus.client.accept('alice@a.localhost');
      await sees(gus, 'message', (m) => m.text === 'gus, hi');
      await gus.client.send(room.id, 'hi alice');
      await sees(alice, 'message', (m) => m.text === 'hi alice');

      await gus.client.block('alice@a.localhost');
      const blocked = await alice.client.send(room.id, 'gus, please read this');
      assert.equal(blocked.queued, false, 'the hub still orders it: the block is b’s to enforce');
      await drained(net, A, B);
      await settle(gus);
      assert.deepEqual(
        gus.events.flatMap((e) => (e.type === 'message' && e.sender === 'alice@a.localhost' ? [e.text] : [])),
        ['gus, hi'],
        'nothing after the block reaches gus',
      );
      assert.deepEqual(
        view(await gus.client.history(room.id)).map((h) => h.text),
        ['gus, hi', 'hi alice'],
      );
    });

    it('keeps a decline when the room changes later (a new device of the sender joins it)', async () => {
      const olga = await user(A, 'olga');
      const pete = await user(B, 'pete');
      const room = await olga.client.createRoom({ kind: 'direct', members: ['pete@b.localhost'] });
      await olga.client.send(room.id, 'pete, olga here');
      await requestArrives(pete, 'olga@a.localhost', room.id);
      await pete.client.decline('olga@a.localhost');

      // A second device of olga joins her rooms by an external commit: a commit whose member list still names pete.
      const laptop = await addDevice(net.url(A), olga, 2);
      devices.push(laptop);
      // (Its joins happen inside start(), before any listener: the store tells.)
      await eventually('olga’s laptop is in the room', async () =>
        (await laptop.client.rooms()).some((r) => r.id === room.id && r.active),
      );
      await olga.client.send(room.id, 'pete, from my laptop too');
      await drained(net, A, B);
      await settle(pete);
      assert.deepEqual(await pete.client.requests(), [], 'the declined request does not come back');
      assert.deepEqual(roomEvents(pete, room.id), []);
    });
  });
}
