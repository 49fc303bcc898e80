/**
 * Rooms, membership, messages, catch-up and KeyPackages as a conversation: alice, bob, carol and dave on
 * a.localhost. Against every backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { b64, backends, DeviceClient, startTestProvider, type TestProvider, text } from '@parley/testing';
import { expectError } from './support.js';

interface Message {
  room: string;
  seq: number;
  sender: string;
  device: string;
  payload: string;
}

const ids = (list: { id: string }[]) => list.map((r) => r.id).sort();
const texts = (messages: Message[]) => messages.map((m) => text(m.payload));

for (const backend of backends) {
  describe(`rooms on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    let alice: DeviceClient;
    let bob: DeviceClient;
    let carol: DeviceClient;
    let dave: DeviceClient;
    const roomsOf = async (who: DeviceClient): Promise<string[]> => {
      const reply = await who.call('GET', '/v1/rooms');
      assert.equal(reply.status, 200);
      return ids(reply.body.rooms);
    };
    const read = async (who: DeviceClient, room: string, query = '') => {
      const reply = await who.call('GET', `/v1/rooms/${room}/messages${query}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body as { messages: Message[]; more: boolean };
    };

    before(async () => {
      net = await startTestProvider(backend);
      alice = await DeviceClient.register(net.url, 'alice');
      bob = await DeviceClient.register(net.url, 'bob');
      carol = await DeviceClient.register(net.url, 'carol');
      dave = await DeviceClient.register(net.url, 'dave');
    });
    after(async () => net?.close());

    it('alice creates a group with bob and carol; all three see it, dave does not', async () => {
      const reply = await alice.call('POST', '/v1/rooms', {
        members: ['bob', 'CAROL@a.localhost', 'bob', 'alice'],
      });
      assert.equal(reply.status, 201);
      const room = reply.body.room;
      assert.equal(room.kind, 'group');
      assert.equal(room.creator, 'alice@a.localhost');
      assert.equal(room.uri, `mimi://a.localhost/r/${room.id}`);
      assert.equal(room.lastSeq, 0);
      assert.deepEqual(
        [...room.members].sort((x: { user: string }, y: { user: string }) => x.user.localeCompare(y.user)),
        [
          { user: 'alice@a.localhost', role: 'owner' },
          { user: 'bob@a.localhost', role: 'member' },
          { user: 'carol@a.localhost', role: 'member' },
        ],
      );
      for (const member of [alice, bob, carol]) {
        assert.ok((await roomsOf(member)).includes(room.id), `${member.handle} lists the room`);
        assert.equal((await member.call('GET', `/v1/rooms/${room.id}`)).status, 200);
      }
      assert.ok(!(await roomsOf(dave)).includes(room.id));
    });

    it('a direct room has exactly one other member and takes no more', async () => {
      const direct = await alice.call('POST', '/v1/rooms', { kind: 'direct', members: ['bob'] });
      assert.equal(direct.status, 201);
      assert.equal(direct.body.room.kind, 'direct');
      const before = await roomsOf(alice);
      expectError(
        await alice.call('POST', '/v1/rooms', { kind: 'direct', members: [] }),
        400,
        'invalidRequest',
      );
      expectError(
        await alice.call('POST', '/v1/rooms', { kind: 'direct', members: ['alice'] }),
        400,
        'invalidRequest',
      );
      expectError(
        await alice.call('POST', '/v1/rooms', { kind: 'direct', members: ['bob', 'carol'] }),
        400,
        'invalidRequest',
      );
      assert.deepEqual(await roomsOf(alice), before, 'no refused room was created');
      expectError(
        await alice.call('POST', `/v1/rooms/${direct.body.room.id}/members`, { members: ['carol'] }),
        403,
        'forbidden',
      );
      expectError(await carol.call('GET', `/v1/rooms/${direct.body.room.id}`), 404, 'noSuchRoom');
    });

    it('a room naming an unknown or remote user is refused, and nothing is created', async () => {
      const before = await Promise.all([alice, bob, carol].map(roomsOf));
      const unknown = await alice.call('POST', '/v1/rooms', { members: ['bob', 'nobody', 'carol'] });
      expectError(unknown, 404, 'noSuchUser');
      assert.match(unknown.body.error.message, /nobody/);
      expectError(await alice.call('POST', '/v1/rooms', { members: ['bob@b.localhost'] }), 404, 'noSuchUser');
      expectError(await alice.call('POST', '/v1/rooms', { members: ['bob@'] }), 400, 'invalidRequest');
      assert.deepEqual(await Promise.all([alice, bob, carol].map(roomsOf)), before);
    });

    it('a non-member learns nothing, not even whether the room exists', async () => {
      const room = await alice.createRoom(['bob']);
      const missing = 'aaaaaaaaaaaaaaaaaaaaaaaaaa';
      for (const path of [`/v1/rooms/${room}`, `/v1/rooms/${room}/messages`]) {
        const real = await dave.call('GET', path);
        const fake = await dave.call('GET', path.replace(room, missing));
        expectError(real, 404, 'noSuchRoom');
        expectError(fake, 404, 'noSuchRoom');
        assert.deepEqual(real.body, fake.body);
      }
      expectError(
        await dave.call('POST', `/v1/rooms/${room}/members`, { members: ['dave'] }),
        404,
        'noSuchRoom',
      );
      expectError(await dave.call('DELETE', `/v1/rooms/${room}/members/bob`), 404, 'noSuchRoom');
    });

    it('alice adds dave, who sees only what was sent after he joined', async () => {
      const room = await alice.createRoom(['bob']);
      await alice.submit(room, 'before dave');
      const added = await bob.call('POST', `/v1/rooms/${room}/members`, { members: ['dave', 'alice'] });
      assert.equal(added.status, 200);
      assert.deepEqual(added.body.added, ['dave']);
      assert.equal(added.body.room.members.length, 3);
      const again = await alice.call('POST', `/v1/rooms/${room}/members`, { members: ['dave'] });
      assert.deepEqual(again.body.added, []);
      expectError(
        await alice.call('POST', `/v1/rooms/${room}/members`, { members: ['ghost'] }),
        404,
        'noSuchUser',
      );
      await bob.submit(room, 'after dave');
      assert.deepEqual(texts((await read(dave, room)).messages), ['after dave']);
      assert.deepEqual(texts((await read(alice, room)).messages), ['before dave', 'after dave']);
    });

    it('only the owner removes others; anyone may leave; who is out reads only what came before, and cannot send', async () => {
      const room = await alice.createRoom(['bob', 'carol', 'dave']);
      const { seq: helloSeq } = await alice.submit(room, 'hello all');
      expectError(await carol.call('DELETE', `/v1/rooms/${room}/members/dave`), 403, 'forbidden');
      expectError(await carol.call('DELETE', `/v1/rooms/${room}/members/alice`), 403, 'forbidden');
      assert.equal((await alice.call('DELETE', `/v1/rooms/${room}/members/bob`)).status, 204);
      assert.equal((await carol.call('DELETE', `/v1/rooms/${room}/members/carol@a.localhost`)).status, 204);
      expectError(await alice.call('DELETE', `/v1/rooms/${room}/members/bob`), 404, 'noSuchUser');

      await alice.submit(room, 'after they left');
      for (const gone of [bob, carol]) {
        expectError(await gone.call('GET', `/v1/rooms/${room}`), 404, 'noSuchRoom');
        // What was sent while they were in stays theirs to fetch; nothing later is.
        const kept = await gone.call('GET', `/v1/rooms/${room}/messages`);
        assert.equal(kept.status, 200);
        assert.deepEqual(texts(kept.body.messages), ['hello all']);
        expectError(
          await gone.call('GET', `/v1/rooms/${room}/messages?after=${helloSeq}`),
          404,
          'noSuchRoom',
        );
        const sent = await gone.call('POST', `/v1/rooms/${room}/messages`, { payload: b64('let me in') });
        assert.ok(
          (sent.status === 403 && sent.body.error.code === 'notMember') ||
            (sent.status === 404 && sent.body.error.code === 'noSuchRoom'),
          `${gone.handle}'s submit refused: ${sent.status} ${JSON.stringify(sent.body)}`,
        );
        assert.ok(!(await roomsOf(gone)).includes(room));
      }
      const left = await alice.call('GET', `/v1/rooms/${room}`);
      assert.deepEqual(left.body.room.members.map((m: { user: string }) => m.user).sort(), [
        'alice@a.localhost',
        'dave@a.localhost',
      ]);
      assert.deepEqual(
        texts((await read(dave, room)).messages),
        ['hello all', 'after they left'],
        'nothing from them was stored',
      );
    });

    it('messages are numbered 1..n and read in pages with after and limit', async () => {
      const room = await alice.createRoom(['bob']);
      for (let i = 1; i <= 5; i++) {
        const reply = await (i % 2 ? alice : bob).call('POST', `/v1/rooms/${room}/messages`, {
          payload: b64(`m${i}`),
        });
        assert.equal(reply.status, 201);
        assert.deepEqual({ ...reply.body, ts: 0 }, { room, seq: i, ts: 0, duplicate: false });
      }
      const all = await read(bob, room);
      assert.deepEqual(texts(all.messages), ['m1', 'm2', 'm3', 'm4', 'm5']);
      assert.deepEqual(
        all.messages.map((m) => [m.seq, m.sender, m.device]),
        [1, 2, 3, 4, 5].map((s) => [
          s,
          s % 2 ? 'alice@a.localhost' : 'bob@a.localhost',
          s % 2 ? alice.deviceId : bob.deviceId,
        ]),
      );
      const page = await read(bob, room, '?after=2&limit=2');
      assert.deepEqual(
        page.messages.map((m) => m.seq),
        [3, 4],
      );
      assert.equal(page.more, true);
      const last = await read(bob, room, '?after=4&limit=2');
      assert.deepEqual(
        last.messages.map((m) => m.seq),
        [5],
      );
      assert.equal(last.more, false);
      assert.deepEqual((await read(bob, room, '?after=5')).messages, []);
      expectError(await bob.call('GET', `/v1/rooms/${room}/messages?limit=0`), 400, 'invalidRequest');
      expectError(await bob.call('GET', `/v1/rooms/${room}/messages?after=-1`), 400, 'invalidRequest');
    });

    it('a resubmitted clientId is answered with the first sequence, 200, and stored once', async () => {
      const room = await alice.createRoom(['bob']);
      const first = await alice.call('POST', `/v1/rooms/${room}/messages`, {
        payload: b64('once'),
        clientId: 'c-1',
      });
      const again = await alice.call('POST', `/v1/rooms/${room}/messages`, {
        payload: b64('once'),
        clientId: 'c-1',
      });
      assert.equal(first.status, 201);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, { ...first.body, duplicate: true });
      const other = await alice.call('POST', `/v1/rooms/${room}/messages`, {
        payload: b64('two'),
        clientId: 'c-2',
      });
      assert.deepEqual([other.status, other.body.seq], [201, 2]);
      // The same clientId from another device is another message.
      const fromBob = await bob.call('POST', `/v1/rooms/${room}/messages`, {
        payload: b64('bob'),
        clientId: 'c-1',
      });
      assert.deepEqual([fromBob.status, fromBob.body.seq], [201, 3]);
      assert.deepEqual(texts((await read(bob, room)).messages), ['once', 'two', 'bob']);
    });

    it('a clientId reused in another room is answered with the room it was stored in', async () => {
      const first = await alice.createRoom(['bob']);
      const second = await alice.createRoom(['carol']);
      await alice.submit(second, 'filler');
      const stored = await alice.call('POST', `/v1/rooms/${first}/messages`, {
        payload: b64('x'),
        clientId: 'k',
      });
      const reused = await alice.call('POST', `/v1/rooms/${second}/messages`, {
        payload: b64('y'),
        clientId: 'k',
      });
      assert.equal(reused.status, 200);
      assert.deepEqual(reused.body, { ...stored.body, duplicate: true }, 'the answer names the first room');
      assert.deepEqual(texts((await read(carol, second)).messages), ['filler']);
    });

    it('the same clientId racing into two rooms stores one message and fails nothing', async () => {
      const rooms = await Promise.all([1, 2, 3, 4].map(() => alice.createRoom(['bob'])));
      const replies = await Promise.all(
        rooms.map((room) =>
          alice.call('POST', `/v1/rooms/${room}/messages`, { payload: b64('race'), clientId: 'racing' }),
        ),
      );
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 201], JSON.stringify(replies.map((r) => r.body)));
      const stored = replies.find((r) => r.status === 201)!.body;
      for (const r of replies) assert.deepEqual({ ...r.body, duplicate: false }, stored);
      const lengths = await Promise.all(rooms.map(async (room) => (await read(bob, room)).messages.length));
      assert.deepEqual(lengths.sort(), [0, 0, 0, 1]);
    });

    it("bob's new laptop syncs two rooms in pages, resuming from its own positions", async () => {
      const laptop = await DeviceClient.login(net.url, 'bob', undefined, 'bob laptop');
      const r1 = await alice.createRoom(['bob']);
      const r2 = await carol.createRoom(['bob']);
      for (const i of [1, 2, 3]) {
        await alice.submit(r1, `one ${i}`);
        await carol.submit(r2, `two ${i}`);
      }
      const mine = (messages: Message[]) => messages.filter((m) => m.room === r1 || m.room === r2);
      const got: Message[] = [];
      const since: Record<string, number> = {};
      const pages: boolean[] = [];
      for (let round = 0; round < 10; round++) {
        const page = await laptop.sync(since, 4);
        assert.ok(page.messages.length <= 4);
        got.push(...mine(page.messages));
        for (const m of page.messages) since[m.room] = m.seq;
        pages.push(page.more);
        if (!page.more) break;
      }
      assert.deepEqual(pages, [true, false], 'two pages: 4, then 2');
      const byRoom = (room: string) => texts(got.filter((m) => m.room === room));
      assert.deepEqual(byRoom(r1), ['one 1', 'one 2', 'one 3']);
      assert.deepEqual(byRoom(r2), ['two 1', 'two 2', 'two 3']);
      const done = await laptop.sync(since);
      assert.deepEqual(mine(done.messages), []);
      assert.equal(done.more, false);
    });

    it('an ack moves the server cursor: a sync without since starts after it, never before', async () => {
      const laptop = await DeviceClient.login(net.url, 'bob', undefined, 'bob tablet');
      const r1 = await alice.createRoom(['bob']);
      const r2 = await alice.createRoom(['bob']);
      for (const i of [1, 2, 3]) {
        await alice.submit(r1, `a${i}`);
        await alice.submit(r2, `b${i}`);
      }
      const fromCursor = async () => {
        const page = await laptop.sync();
        return texts(page.messages.filter((m) => m.room === r1 || m.room === r2)).sort();
      };
      assert.deepEqual(await fromCursor(), ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'], 'nothing acknowledged yet');
      await laptop.ack([
        { room: r1, seq: 3 },
        { room: r2, seq: 1 },
      ]);
      assert.deepEqual(await fromCursor(), ['b2', 'b3']);
      await laptop.ack([{ room: r1, seq: 1 }]);
      assert.deepEqual(await fromCursor(), ['b2', 'b3'], 'an older ack does not move the cursor back');
      await laptop.ack([{ room: r2, seq: 99 }]);
      assert.deepEqual(await fromCursor(), []);
      await alice.submit(r2, 'b4');
      assert.deepEqual(await fromCursor(), ['b4'], 'an ack past the end stops at the end');
      // Another device's cursor is its own.
      const other = await DeviceClient.login(net.url, 'bob', undefined, 'bob watch');
      await alice.submit(r1, 'a4');
      assert.deepEqual(texts((await other.sync()).messages.filter((m) => m.room === r1)), ['a4']);
      assert.deepEqual(await fromCursor(), ['a4', 'b4']);
    });

    it("KeyPackages: carol claims one for each of erin's devices, single use, then the last resort", async () => {
      const erin1 = await DeviceClient.register(net.url, 'erin', undefined, 'erin phone');
      const erin2 = await DeviceClient.login(net.url, 'erin', undefined, 'erin laptop');
      const kp = (name: string) => b64(`keypackage ${name}`);
      const up1 = await erin1.call('POST', '/v1/keypackages', {
        keyPackages: [kp('p1'), kp('p2'), kp('p3')],
        lastResort: kp('phone last resort'),
      });
      assert.equal(up1.status, 201);
      assert.deepEqual(up1.body, { count: 3, lastResort: true });
      const up2 = await erin2.call('POST', '/v1/keypackages', { keyPackages: [kp('l1')] });
      assert.deepEqual([up2.status, up2.body], [201, { count: 1, lastResort: false }]);
      assert.deepEqual((await erin1.call('GET', '/v1/keypackages/count')).body, {
        count: 3,
        lastResort: true,
      });

      const claim = async () => {
        const reply = await carol.call('POST', '/v1/keypackages/claim', { user: 'erin@a.localhost' });
        assert.equal(reply.status, 200);
        assert.equal(reply.body.user, 'erin@a.localhost');
        const out: Record<string, string> = {};
        for (const k of reply.body.keyPackages as {
          deviceId: string;
          keyPackage: string;
          lastResort: boolean;
        }[]) {
          assert.equal(out[k.deviceId], undefined, 'one per device');
          out[k.deviceId === erin1.deviceId ? 'phone' : 'laptop'] =
            `${text(k.keyPackage)}${k.lastResort ? '*' : ''}`;
        }
        return out;
      };
      assert.deepEqual(await claim(), { phone: 'keypackage p1', laptop: 'keypackage l1' });
      assert.deepEqual(
        await claim(),
        { phone: 'keypackage p2' },
        'the laptop has none left and no last resort',
      );
      assert.deepEqual(await claim(), { phone: 'keypackage p3' });
      assert.deepEqual(await claim(), { phone: 'keypackage phone last resort*' });
      assert.deepEqual(await claim(), { phone: 'keypackage phone last resort*' }, 'the last resort stays');
      assert.deepEqual((await erin1.call('GET', '/v1/keypackages/count')).body, {
        count: 0,
        lastResort: true,
      });
      assert.deepEqual((await erin2.call('GET', '/v1/keypackages/count')).body, {
        count: 0,
        lastResort: false,
      });

      // A new last resort replaces the old one; a removed device's packages go with it.
      await erin1.call('POST', '/v1/keypackages', { keyPackages: [], lastResort: kp('newer') });
      await erin2.call('POST', '/v1/keypackages', { keyPackages: [kp('l2')] });
      assert.equal((await erin1.call('DELETE', `/v1/devices/${erin2.deviceId}`)).status, 204);
      assert.deepEqual(await claim(), { phone: 'keypackage newer*' });

      expectError(await carol.call('POST', '/v1/keypackages/claim', { user: 'nobody' }), 404, 'noSuchUser');
      expectError(
        await carol.call('POST', '/v1/keypackages/claim', { user: 'erin@b.localhost' }),
        404,
        'noSuchUser',
      );
      const none = await carol.call('POST', '/v1/keypackages/claim', { user: 'dave' });
      assert.deepEqual([none.status, none.body], [200, { user: 'dave@a.localhost', keyPackages: [] }]);
    });
  });
}
