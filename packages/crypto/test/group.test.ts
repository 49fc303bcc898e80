// Group scenarios through the adapter, read as conversations: "alice@a adds bob@b ...". They run on the
// node:crypto suite, except one that mixes it with the default (browser) suite in the same group.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { processPublicMessage } from 'ts-mls/processMessages.js';
import { emptyPskIndex } from 'ts-mls/pskIndex.js';
import {
  addMembers,
  CryptoError,
  commitPending,
  createKeyPackage,
  decodeMessage,
  decodeState,
  decryptApplication,
  encodeState,
  encryptApplication,
  epochOf,
  exportGroupInfo,
  exportSecret,
  isActive,
  joinExternal,
  joinFromWelcome,
  leaveGroup,
  loadSuite,
  members,
  ownLeafIndex,
  processMessage,
  proposeAdd,
  removeMembers,
  selfUpdate,
} from '../src/index.ts';
import { loadNodeSuite } from '../src/node.ts';
import {
  ALICE,
  BOB,
  CAROL,
  contextFor,
  createDevice,
  createUser,
  DAVE,
  Directory,
  deliver,
  type Member,
  rejectsWith,
  sameEpoch,
  say,
  startGroup,
  text,
  utf8,
  world,
} from './fixtures.ts';

const w = await world(await loadNodeSuite());

describe('a group of three', () => {
  test('alice@a adds bob@b and carol@c; everyone reads everyone; membership changes reach all', async () => {
    const [alice, bob, carol] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
      { ctx: w.ctx, device: await w.device(w.carol) },
    ]);
    assert.ok(alice && bob && carol);
    sameEpoch(alice, bob, carol);
    assert.deepEqual(
      members(bob.state).map((m) => m.userUri),
      [ALICE, BOB, CAROL],
    );

    await say(alice, 'hello both', [bob, carol]);
    await say(bob, 'hi alice', [alice, carol]);
    await say(carol, 'hey', [alice, bob]);

    // bob proposes adding dave, alice commits it; dave joins from the Welcome.
    const daveDevice = await w.device(w.dave);
    const daveKp = await createKeyPackage(w.ctx, daveDevice);
    const proposal = await proposeAdd(w.ctx, bob.state, daveKp.keyPackage);
    bob.state = proposal.state;
    const [seenByAlice, seenByCarol] = await deliver(proposal.proposal, [alice, carol]);
    assert.equal(seenByAlice?.kind, 'proposal');
    assert.equal(seenByCarol?.kind, 'proposal');
    const commit = await commitPending(w.ctx, alice.state);
    alice.state = commit.state;
    const seen = await deliver(commit.commit, [bob, carol]);
    assert.ok(seen.every((s) => s.kind === 'commit' && s.added.map((m) => m.userUri).join() === DAVE));
    assert.ok(commit.welcome);
    const dave: Member = {
      ctx: w.ctx,
      state: (await joinFromWelcome(w.ctx, { welcome: commit.welcome, keyPackage: daveKp })).state,
    };
    sameEpoch(alice, bob, carol, dave);
    await say(dave, 'thanks for having me', [alice, bob, carol]);

    // alice removes carol; carol asks to leave first is another path, tested below.
    const carolLeaf = members(alice.state).find((m) => m.userUri === CAROL)!.leafIndex;
    const removal = await removeMembers(w.ctx, alice.state, [carolLeaf]);
    alice.state = removal.state;
    const [bobSaw, daveSaw, carolSaw] = await deliver(removal.commit, [bob, dave, carol]);
    assert.ok(bobSaw?.kind === 'commit' && bobSaw.removed.map((m) => m.userUri).join() === CAROL);
    assert.ok(daveSaw?.kind === 'commit' && !daveSaw.removedSelf);
    assert.ok(carolSaw?.kind === 'commit' && carolSaw.removedSelf);
    assert.equal(isActive(carol.state), false);
    sameEpoch(alice, bob, dave);
    assert.deepEqual(
      members(dave.state).map((m) => m.userUri),
      [ALICE, BOB, DAVE],
    );
    await say(bob, 'carol is gone', [alice, dave]);

    // dave leaves by proposal; bob commits; every member derives the same exporter secret after.
    const leave = await leaveGroup(w.ctx, dave.state);
    dave.state = leave.state;
    await deliver(leave.proposal, [alice, bob]);
    const committed = await commitPending(w.ctx, bob.state);
    bob.state = committed.state;
    const [aliceSaw, daveSaw2] = await deliver(committed.commit, [alice, dave]);
    assert.ok(aliceSaw?.kind === 'commit' && aliceSaw.removed[0]?.userUri === DAVE);
    assert.ok(daveSaw2?.kind === 'commit' && daveSaw2.removedSelf);
    const context = utf8('file-1');
    assert.deepEqual(
      await exportSecret(w.ctx, alice.state, 'parley test', context, 16),
      await exportSecret(w.ctx, bob.state, 'parley test', context, 16),
    );
  });

  test('removal secrecy: carol, removed, keeps her old state and still reads nothing sent after', async () => {
    const [alice, bob, carol] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
      { ctx: w.ctx, device: await w.device(w.carol) },
    ]);
    assert.ok(alice && bob && carol);
    const before = await say(alice, 'before the removal', [bob]);
    const carolKept = decodeState(w.ctx, encodeState(carol.state)); // carol copies her state away

    const removal = await removeMembers(w.ctx, alice.state, [ownLeafIndex(carol.state)]);
    alice.state = removal.state;
    await deliver(removal.commit, [bob, carol]);
    assert.equal(isActive(carol.state), false);
    await rejectsWith(encryptApplication(w.ctx, carol.state, utf8('let me in')), 'notMember');

    const after = await say(alice, 'after the removal', [bob]);
    const later = await selfUpdate(w.ctx, bob.state);
    bob.state = later.state;
    await deliver(later.commit, [alice]);
    const muchLater = await say(bob, 'much later', [alice]);

    for (const state of [carol.state, carolKept]) {
      for (const message of [after, muchLater]) {
        await assert.rejects(processMessage(w.ctx, state, message), CryptoError);
      }
      await assert.rejects(processMessage(w.ctx, state, later.commit), CryptoError);
    }
    // The check can fail: her kept state does read what was sent before she was removed.
    const old = await decryptApplication(w.ctx, carolKept, before);
    assert.equal(text(old.plaintext), 'before the removal');
  });

  test('post-compromise security: after bob commits an update, a stolen copy of his old state reads nothing new', async () => {
    const [alice, bob, carol] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
      { ctx: w.ctx, device: await w.device(w.carol) },
    ]);
    assert.ok(alice && bob && carol);
    const stolenBytes = encodeState(bob.state); // the attacker copies bob's whole state
    const beforeHeal = await say(alice, 'before the update', [bob, carol]);

    const heal = await selfUpdate(w.ctx, bob.state);
    bob.state = heal.state;
    await deliver(heal.commit, [alice, carol]);
    sameEpoch(alice, bob, carol);
    const afterHeal = await say(carol, 'after the update', [alice, bob]);
    const next = await selfUpdate(w.ctx, alice.state);
    alice.state = next.state;
    await deliver(next.commit, [bob, carol]);
    const evenLater = await say(alice, 'even later', [bob, carol]);

    const stolen = decodeState(w.ctx, stolenBytes);
    await assert.rejects(processMessage(w.ctx, stolen, heal.commit), CryptoError);
    // Not only our guard: ts-mls itself, handed the commit directly, cannot derive the new epoch either.
    const healMessage = decodeMessage(heal.commit);
    assert.ok(healMessage.wireformat === 'mls_public_message');
    await assert.rejects(processPublicMessage(stolen, healMessage.publicMessage, emptyPskIndex, w.suite));
    for (const message of [afterHeal, evenLater, next.commit]) {
      await assert.rejects(processMessage(w.ctx, stolen, message), CryptoError);
    }
    // The check can fail: the stolen copy does read traffic from before the update.
    assert.equal(text((await decryptApplication(w.ctx, stolen, beforeHeal)).plaintext), 'before the update');
  });

  test('a committed self update changes the leaf and path keys; pending Add proposals must be committed first', async () => {
    const [alice, bob] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
    ]);
    assert.ok(alice && bob);
    const leafKey = (m: Member) => members(m.state).find((x) => x.leafIndex === ownLeafIndex(m.state));
    const oldEpoch = epochOf(bob.state);
    const oldHpke = bob.state.ratchetTree[ownLeafIndex(bob.state) * 2];
    const update = await selfUpdate(w.ctx, bob.state);
    bob.state = update.state;
    const newHpke = bob.state.ratchetTree[ownLeafIndex(bob.state) * 2];
    assert.ok(oldHpke?.nodeType === 'leaf' && newHpke?.nodeType === 'leaf');
    assert.notDeepEqual(oldHpke.leaf.hpkePublicKey, newHpke.leaf.hpkePublicKey);
    assert.equal(epochOf(bob.state), oldEpoch + 1n);
    assert.ok(leafKey(bob));
    await deliver(update.commit, [alice]);
    sameEpoch(alice, bob);

    const carolKp = await createKeyPackage(w.ctx, await w.device(w.carol));
    const proposal = await proposeAdd(w.ctx, alice.state, carolKp.keyPackage);
    await deliver(proposal.proposal, [bob]);
    await rejectsWith(selfUpdate(w.ctx, bob.state), 'usage');
    await rejectsWith(encryptApplication(w.ctx, bob.state, utf8('x')), 'usage');
  });

  test('group state survives encodeState/decodeState and a last-resort key package joins two groups', async () => {
    const bobDevice = await w.device(w.bob);
    const lastResort = await createKeyPackage(w.ctx, bobDevice, { lastResort: true });
    for (const name of ['first', 'second']) {
      const [alice] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice, name) }, []);
      assert.ok(alice);
      const added = await addMembers(w.ctx, alice.state, [lastResort.keyPackage]);
      alice.state = decodeState(w.ctx, encodeState(added.state));
      const joined = await joinFromWelcome(w.ctx, { welcome: added.welcome!, keyPackage: lastResort });
      assert.deepEqual(joined.wipe, []);
      const bob: Member = { ctx: w.ctx, state: decodeState(w.ctx, encodeState(joined.state)) };
      await say(alice, `hello in ${name}`, [bob]);
      await say(bob, 'hi', [alice]);
    }
  });

  test('alice@a brings her laptop in by external commit; the others accept it', async () => {
    const [alice, bob] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
    ]);
    assert.ok(alice && bob);
    const groupInfo = await exportGroupInfo(w.ctx, bob.state);
    const joined = await joinExternal(w.ctx, { groupInfo, device: await w.device(w.alice, 'laptop') });
    const laptop: Member = { ctx: w.ctx, state: joined.state };
    const seen = await deliver(joined.commit, [alice, bob]);
    assert.ok(
      seen.every((s) => s.kind === 'commit' && s.sender === undefined && s.added[0]?.deviceId === 'laptop'),
    );
    sameEpoch(alice, bob, laptop);
    await say(laptop, 'typing on my laptop', [alice, bob]);
  });
});

describe('providers interoperate', () => {
  test('alice on node:crypto, bob and carol on the default (browser) provider share one group', async () => {
    const nodeSuite = await loadNodeSuite();
    const webSuite = await loadSuite();
    const directory = new Directory();
    const [a, b, c] = await Promise.all([
      createUser(directory, ALICE, nodeSuite),
      createUser(directory, BOB, webSuite),
      createUser(directory, CAROL, webSuite),
    ]);
    const onNode = contextFor(directory, nodeSuite);
    const onWeb = contextFor(directory, webSuite);
    const [alice, bob] = await startGroup(
      { ctx: onNode, device: await createDevice(a!, 'phone', nodeSuite) },
      [{ ctx: onWeb, device: await createDevice(b!, 'browser', webSuite) }],
    );
    assert.ok(alice && bob);
    await say(alice, 'from node', [bob]);
    await say(bob, 'from the browser', [alice]);

    // bob (default provider) commits an update and adds carol; alice (node) follows.
    const update = await selfUpdate(onWeb, bob.state);
    bob.state = update.state;
    await deliver(update.commit, [alice]);
    const carolKp = await createKeyPackage(onWeb, await createDevice(c!, 'browser', webSuite));
    const add = await addMembers(onWeb, bob.state, [carolKp.keyPackage]);
    bob.state = add.state;
    await deliver(add.commit, [alice]);
    const carol: Member = {
      ctx: onWeb,
      state: (await joinFromWelcome(onWeb, { welcome: add.welcome!, keyPackage: carolKp })).state,
    };
    sameEpoch(alice, bob, carol);

    // alice (node) removes bob: carol (default) follows and bob can no longer read.
    const removal = await removeMembers(onNode, alice.state, [ownLeafIndex(bob.state)]);
    alice.state = removal.state;
    await deliver(removal.commit, [carol, bob]);
    const secret = await say(alice, 'bob is out', [carol]);
    await assert.rejects(processMessage(onWeb, bob.state, secret), CryptoError);
    sameEpoch(alice, carol);
  });
});
