/**
 * Attacks on rooms across providers. alice@a and bob@b share a direct room and a group, both hubbed on a; c is a
 * real provider with valid keys in everyone's peer map, and behaves maliciously. Every refusal is checked with
 * what a and b store afterwards: the room records, members, messages, consent and KeyPackages did not change.
 * Rate limits run last, on a network of their own whose provider a has small budgets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ReplayCache } from '@parley/federation';
import { ENDPOINTS } from '@parley/server';
import { DeviceClient, TestNetwork } from '@parley/testing';
import type { Sent } from './federationSupport.js';
import {
  AAAA,
  ALICE,
  BOB,
  bobReads,
  byMallory,
  codes,
  endpoints,
  errorOf,
  eventually,
  FORGERIES,
  lastSeqOf as lastSeqOfIn,
  MALLORY,
  type Net,
  ordered,
  post,
  type RoomsNet,
  refusal,
  rid,
  roomsNetwork,
  saw,
  send,
  signed,
  snapshot,
  storageOf,
  withBob,
} from './forge.js';

let r: RoomsNet;
const lastSeqOf = (domain: string, room: string) => lastSeqOfIn(r.net, domain, room);

before(async () => {
  r = await roomsNetwork({ federation: { refetchCooldownMs: 0 } });
});
after(() => r?.close());

describe('forged traffic to every federation endpoint: 401, and nothing changes', () => {
  const table = async () => endpoints(r, (await lastSeqOf('b.localhost', r.direct))!);

  for (const name of ENDPOINTS) {
    for (const [what, code, change] of FORGERIES) {
      it(`${name}: ${what} → 401 ${code}`, async () => {
        const e = (await table())[name]!;
        const was = await snapshot(r);
        const sent = await send(await signed(r.net, e.from, e.to, name, e.body, (f) => change(f, e)));
        assert.deepEqual(refusal(sent), [401, code], sent.text);
        assert.deepEqual(await snapshot(r), was);
      });
    }
    it(`${name}: the same signed request twice → the second 401 replayed`, async () => {
      const e = (await table())[name]!;
      const request = await signed(r.net, e.from, e.to, name, e.replay ?? e.body);
      const first = await send(request);
      assert.notEqual(first.status, 401, first.text);
      const was = await snapshot(r);
      assert.deepEqual(refusal(await send(request)), [401, 'replayed']);
      assert.deepEqual(await snapshot(r), was);
    });
  }

  it('a request signed before the provider started is refused as a possible replay', async () => {
    // reportAbuse is not deduplicated: a replay the new process let through would file the report twice.
    const e = (await table()).reportAbuse!;
    const request = await signed(r.net, e.from, e.to, 'reportAbuse', e.body);
    const first = await send(request);
    assert.notEqual(first.status, 401, first.text);
    // A restart forgets what was accepted: the new process remembers from its start, a second later here.
    await new Promise((resolve) => setTimeout(resolve, 1_010 - (Date.now() % 1_000)));
    r.net.byDomain[e.to]!.provider.ctx.federation.replay = new ReplayCache();
    const was = await snapshot(r);
    assert.deepEqual(refusal(await send(request)), [401, 'replayed']);
    assert.deepEqual(await snapshot(r), was);
    const fresh = await send(await signed(r.net, e.from, e.to, 'reportAbuse', e.body));
    assert.notEqual(fresh.status, 401, `signed anew, it passes: ${fresh.text}`);
  });

  for (const name of [
    'keyMaterial',
    'submitMessage',
    'groupInfo',
    'requestConsent',
    'updateConsent',
    'reportAbuse',
  ]) {
    it(`${name}: a user of another domain than the signer’s is refused`, async () => {
      const { from, to, foreign } = (await table())[name]!;
      const was = await snapshot(r);
      const sent = await send(await signed(r.net, from, to, name, foreign!.body));
      if (typeof foreign!.answer[0] === 'number') assert.deepEqual(refusal(sent), foreign!.answer, sent.text);
      else assert.deepEqual([sent.status, codes(JSON.parse(sent.text))], [200, foreign!.answer], sent.text);
      assert.deepEqual(await snapshot(r), was);
    });
  }

  // Last: it changes what the forgeries above were checked against. (updateConsent's body would, today, accept
  // carol's request for alice: see the consent test below.)
  it('the table covers every endpoint, and a body signed properly does change things', async () => {
    const e = await table();
    assert.deepEqual(Object.keys(e).sort(), [...ENDPOINTS].sort());
    const was = (await snapshot(r)) as { keyPackages: { count: number }[] };
    const sent = await send(
      await signed(r.net, 'b.localhost', 'a.localhost', 'keyMaterial', e.keyMaterial!.body),
    );
    assert.equal(sent.status, 200, sent.text);
    const now = (await snapshot(r)) as { keyPackages: { count: number }[] };
    assert.equal(
      now.keyPackages[0]!.count,
      was.keyPackages[0]!.count - 1,
      'one of alice’s KeyPackages claimed',
    );
  });
});

describe('a malicious provider c, validly signed', () => {
  const C = 'c.localhost';

  it('cannot put a message into a room none of its users is in: noSuchRoom, as for a room that does not exist', async () => {
    const device = r.mallory.client.deviceId;
    const text = (room: string) => ({ room, sender: MALLORY, device, clientId: rid(), payload: AAAA });
    const commit = (room: string) => ({ room, sender: MALLORY, device, kind: 'commit', message: AAAA });
    const was = await snapshot(r);
    const sent = await post(r.net, C, 'a.localhost', 'submitMessage', {
      txn: rid(),
      items: [
        text(r.direct),
        text(r.group),
        text('nosuchroomatall'),
        commit(r.group),
        commit('nosuchroomatall'),
      ],
    });
    assert.deepEqual([sent.status, codes(sent.body)], [200, Array(5).fill('noSuchRoom')]);
    assert.deepEqual(await snapshot(r), was);
  });

  it('cannot act as hub of rooms b follows from a: forbidden per item, even at the next seq', async () => {
    const next = async (room: string) => (await lastSeqOf('b.localhost', room))! + 1;
    const was = await snapshot(r);
    const sent = await post(r.net, C, 'b.localhost', 'notify', {
      txn: rid(),
      items: [
        byMallory(r, r.group, await next(r.group), withBob(7)),
        byMallory(r, r.direct, await next(r.direct)),
      ],
    });
    assert.deepEqual([sent.status, codes(sent.body)], [200, ['forbidden', 'forbidden']]);
    assert.deepEqual(await snapshot(r), was);
  });

  it('cannot pose as a user of another provider: foreignSender, nothing stored', async () => {
    const was = await snapshot(r);
    const sent = await post(r.net, C, 'a.localhost', 'submitMessage', {
      txn: rid(),
      items: [
        { room: r.direct, sender: ALICE, device: r.alice.client.deviceId, clientId: rid(), payload: AAAA },
      ],
    });
    assert.deepEqual([sent.status, codes(sent.body)], [200, ['foreignSender']]);
    const asBob = {
      room: r.direct,
      sender: BOB,
      device: r.bob.client.deviceId,
      clientId: rid(),
      payload: AAAA,
    };
    const again = await post(r.net, C, 'a.localhost', 'submitMessage', { txn: rid(), items: [asBob] });
    assert.deepEqual([again.status, codes(again.body)], [200, ['foreignSender']]);
    const keys = await post(r.net, C, 'b.localhost', 'keyMaterial', { requester: ALICE, user: BOB });
    assert.deepEqual([keys.status, errorOf(keys.body)], [401, 'foreignSender']);
    assert.deepEqual(await snapshot(r), was);
  });

  it('cannot accept its own user’s request on behalf of alice', async () => {
    await r.mallory.client.createRoom({ kind: 'direct', members: ['alice@a.localhost'] });
    const fromMallory = async () =>
      (await r.alice.client.requests()).filter((q) => q.from === 'mallory@c.localhost').length;
    await eventually('alice has mallory’s request', async () => (await fromMallory()) > 0);
    const a = storageOf(r.net, 'a.localhost').federation;
    const sent = await post(r.net, C, 'a.localhost', 'updateConsent', {
      txn: rid(),
      items: [{ requester: ALICE, target: MALLORY, state: 'granted' }],
    });
    assert.equal(sent.status, 200);
    assert.equal(
      await a.consent('alice', 'mallory@c.localhost'),
      undefined,
      'only alice answers her requests',
    );
    assert.equal(await fromMallory(), 1, 'mallory’s request still waits in alice’s Requests');
  });

  it('cannot make the hub skip or reorder: 50 concurrent sends through b, forged seq fields refused', async () => {
    const device = r.mallory.client.deviceId;
    const item = { room: r.direct, sender: MALLORY, device, clientId: rid(), payload: AAAA };
    const forged = [
      { txn: rid(), items: [{ ...item, seq: 1 }] },
      { txn: rid(), items: [{ ...item, seq: 10_000 }] },
      { txn: rid(), seq: 2, items: [item] },
    ];
    const bobs = Array.from({ length: 50 }, (_, i) => `bob ${i}`);
    const alices = Array.from({ length: 10 }, (_, i) => `alice ${i}`);
    const [refused] = await Promise.all([
      Promise.all(forged.map((body) => post(r.net, C, 'a.localhost', 'submitMessage', body))),
      Promise.all(bobs.map((t) => r.bob.client.send(r.direct, t))),
      Promise.all(alices.map((t) => r.alice.client.send(r.direct, t))),
    ]);
    for (const f of refused) assert.deepEqual([f.status, errorOf(f.body)], [400, 'invalidRequest']);
    for (const t of bobs) await saw(r.alice, t);
    for (const t of alices) await saw(r.bob, t);
    await eventually('b’s copy caught up with the hub', async () => {
      return (await lastSeqOf('b.localhost', r.direct)) === (await lastSeqOf('a.localhost', r.direct));
    });
    const last = (await lastSeqOf('a.localhost', r.direct))!;
    const hub = (await storageOf(r.net, 'a.localhost').federation.history(r.direct, 'b.localhost', 0, 1e4))!;
    assert.deepEqual(
      hub.map((m) => m.seq),
      Array.from({ length: last }, (_, i) => i + 1),
    );
    const fromBob = hub.filter((m) => m.sender === 'bob@b.localhost' && m.kind === 'application');
    assert.equal(fromBob.length, 50, 'each of bob’s messages ordered exactly once');
    const copy = await bobReads(r, r.direct);
    assert.deepEqual(copy.map(ordered), hub.filter((m) => m.seq >= copy[0]!.seq).map(ordered));
  });

  it('as hub of its own room with bob: a jump ahead is a gap, an old seq with another payload changes nothing', async () => {
    const own = await r.mallory.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] });
    await r.mallory.client.send(own.id, 'hi bob, it is mallory');
    await eventually('bob has mallory’s request', async () => (await r.bob.client.requests()).length > 0);
    await r.bob.client.accept('mallory@c.localhost');
    await saw(r.bob, 'hi bob, it is mallory');
    const hubLast = (await lastSeqOf(C, own.id))!;
    await eventually('b follows c’s room', async () => (await lastSeqOf('b.localhost', own.id)) === hubLast);
    const was = await snapshot(r, [own.id]);
    const old = (await bobReads(r, own.id)).at(-1)!;
    // c's own fetchMessages has nothing past hubLast to fill the gap with.
    const ahead = await post(r.net, C, 'b.localhost', 'notify', {
      txn: rid(),
      items: [byMallory(r, own.id, hubLast + 5)],
    });
    assert.deepEqual([ahead.status, codes(ahead.body)], [200, ['gap']]);
    const rewrite = await post(r.net, C, 'b.localhost', 'notify', {
      txn: rid(),
      items: [byMallory(r, own.id, old.seq)],
    });
    assert.deepEqual([rewrite.status, codes(rewrite.body)], [200, ['ok']], 'a repeat is acknowledged…');
    assert.deepEqual(await snapshot(r, [own.id]), was, '…and the first version kept');
  });

  it('cannot take over the id of a room of a before b follows it', async () => {
    // c learned the id (its user was a member once, say) and tells b first that it hubs that room, with bob in.
    const later = await r.alice.client.createRoom({ kind: 'group', members: [], name: 'later' });
    const squat = await post(r.net, C, 'b.localhost', 'notify', {
      txn: rid(),
      items: [byMallory(r, later.id, 1, withBob(1))],
    });
    assert.deepEqual(codes(squat.body), ['forbidden'], 'the id is not one c could have made');
    await r.alice.client.addMembers(later.id, ['bob@b.localhost']);
    await r.alice.client.send(later.id, 'later, bob');
    await eventually('a delivered to b', async () => {
      return (await storageOf(r.net, 'a.localhost').federation.due('b.localhost', 100)).length === 0;
    });
    const copy = await storageOf(r.net, 'b.localhost').rooms.getRoom(later.id);
    assert.equal(copy?.room.hub, 'a.localhost', 'b follows the room from its hub, not from c');
    assert.equal(copy?.room.lastSeq, await lastSeqOf('a.localhost', later.id));
  });

  // Last in this group: bob adding mallory makes them contacts on b, which the cases above must not see.
  it('cannot take a group a third party made as a contact alice made', async () => {
    // bob puts alice and mallory in one group: alice is an active member (she knows bob), and so is mallory.
    const group = await r.bob.client.createRoom({
      kind: 'group',
      members: ['alice@a.localhost', 'mallory@c.localhost'],
      name: 'bob’s friends',
    });
    const a = storageOf(r.net, 'a.localhost');
    await eventually('alice is an active member of bob’s group on a', async () => {
      const found = await a.rooms.getRoom(group.id);
      return found?.members.some((m) => m.handle === 'alice' && !m.pending) === true;
    });
    assert.equal(await a.federation.consent('alice', 'mallory@c.localhost'), undefined);
    const sent = await post(r.net, C, 'a.localhost', 'updateConsent', {
      txn: rid(),
      items: [{ requester: ALICE, target: MALLORY, state: 'granted' }],
    });
    assert.equal(sent.status, 200);
    assert.equal(
      await a.federation.consent('alice', 'mallory@c.localhost'),
      undefined,
      'a shared group is no contact alice made',
    );
  });
});

describe('after alice removes bob from the group', () => {
  it('a keeps nothing for b about the group, and b’s copy stops at the removal', async () => {
    const a = r.net.byDomain['a.localhost']!;
    await r.alice.client.removeMembers(r.group, ['bob@b.localhost']);
    const removal = (await lastSeqOf('a.localhost', r.group))!;
    const owed = () => a.provider.ctx.storage.federation.due('b.localhost', 100);
    // a deletes an item once b has answered for it, a moment after b applied it.
    await eventually('b applied the removal, and a knows', async () => {
      return (await lastSeqOf('b.localhost', r.group)) === removal && (await owed()).length === 0;
    });
    const copy = await storageOf(r.net, 'b.localhost').rooms.getRoom(r.group);
    assert.deepEqual(
      copy?.members.map((m) => m.handle),
      ['alice@a.localhost'],
    );
    // While b is unreachable from a, whatever a owes b stays in a's outbox, where this test can see it.
    a.provider.ctx.federation.peers.set('b.localhost', 'http://127.0.0.1:9');
    try {
      for (const text of ['after bob 1', 'after bob 2', 'after bob 3'])
        await r.alice.client.send(r.group, text);
      assert.deepEqual(
        (await owed()).map((e) => `${e.kind} ${e.message?.room} ${e.message?.seq}`),
        [],
      );
    } finally {
      a.provider.ctx.federation.peers.set('b.localhost', r.net.url('b.localhost'));
    }
    await r.alice.client.send(r.direct, 'still friends, bob');
    await saw(r.bob, 'still friends, bob');
    assert.equal(await lastSeqOf('b.localhost', r.group), removal);
    assert.ok(!r.bob.events.some((e) => e.type === 'message' && e.text.startsWith('after bob')));
  });
});

describe('rate limits on a: per peer and per sender, answered 429 with retry-after', () => {
  let net: Net;
  const limits = { peerLimit: { capacity: 8, perMinute: 1 }, senderLimit: { capacity: 3, perMinute: 1 } };
  const ask = async (from: string, endpoint: string, body: unknown) =>
    send(await signed(net, from, 'a.localhost', endpoint, body));
  const keyMaterial = (from: string, requester: string) =>
    ask(from, 'keyMaterial', { requester, user: ALICE });

  before(async () => {
    net = await TestNetwork.create({
      providers: 3,
      config: (domain) => (domain === 'a.localhost' ? { federation: limits } : {}),
    });
    await DeviceClient.register(net.url('a.localhost'), 'alice');
  });
  after(() => net?.close());

  it('c cannot spend the budget of a user of b by naming them as the sender of its own items', async () => {
    const item = () => ({
      room: 'nosuchroomatall',
      sender: BOB,
      device: 'bobdevice',
      clientId: rid(),
      payload: AAAA,
    });
    const forged = await ask('c.localhost', 'submitMessage', { txn: rid(), items: [item(), item(), item()] });
    assert.deepEqual([forged.status, codes(JSON.parse(forged.text))], [200, Array(3).fill('foreignSender')]);
    const fromB = await keyMaterial('b.localhost', BOB);
    assert.equal(fromB.status, 200, `bob’s own provider is throttled for c’s items: ${fromB.text}`);
  });

  it('a sender over its budget gets 429; another sender of that peer, and b, do not', async () => {
    const passed: number[] = [];
    let limited: Sent | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const sent = await keyMaterial('c.localhost', MALLORY);
      if (sent.status === 429) limited = sent;
      else passed.push(sent.status);
    }
    assert.deepEqual(passed, [200, 200, 200]);
    assert.deepEqual(refusal(limited!), [429, 'tooManyRequests']);
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1, 'retry-after in seconds');
    assert.equal((await keyMaterial('c.localhost', 'mimi://c.localhost/u/eve')).status, 200);
    assert.equal((await keyMaterial('b.localhost', 'mimi://b.localhost/u/carol')).status, 200);
  });

  it('a peer over its budget gets 429 for everything; b does not', async () => {
    let limited: Sent | undefined;
    let passed = 0;
    for (let i = 0; i < limits.peerLimit.capacity + 2 && !limited; i++) {
      const sent = await ask('c.localhost', 'identifierQuery', { user: ALICE });
      if (sent.status === 429) limited = sent;
      else passed += 1;
    }
    assert.ok(limited, `no 429 after ${passed} requests`);
    assert.deepEqual(refusal(limited), [429, 'tooManyRequests']);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'retry-after in seconds');
    const other = await keyMaterial('c.localhost', 'mimi://c.localhost/u/frank');
    assert.equal(other.status, 429, 'the peer limit holds whatever the sender');
    assert.equal((await ask('b.localhost', 'identifierQuery', { user: ALICE })).status, 200);
  });
});
