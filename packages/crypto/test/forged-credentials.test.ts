// Our authentication service at work: a credential that is not a Parley device credential certified by its
// user's identity key, for exactly the signature key it is used with, never enters a group, whoever sends it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultCapabilities } from 'ts-mls/defaultCapabilities.js';
import { generateKeyPackageWithKey } from 'ts-mls/keyPackage.js';
import { defaultLifetime } from 'ts-mls/lifetime.js';
import { encodeMlsMessage } from 'ts-mls/message.js';
import {
  addMembers,
  CryptoError,
  certifyDevice,
  commitPending,
  createDeviceKey,
  createKeyPackage,
  encodeState,
  exportGroupInfo,
  joinExternal,
  joinFromWelcome,
  ownLeafIndex,
  processMessage,
  proposeAdd,
  selfUpdate,
  verifyDeviceCredential,
} from '../src/index.ts';
import { loadNodeSuite } from '../src/node.ts';
import {
  ALICE,
  BOB,
  CAROL,
  createDevice,
  deliver,
  MALLORY,
  malicious,
  rejectsWith,
  sameEpoch,
  say,
  startGroup,
  utf8,
  world,
} from './fixtures.ts';

const w = await world(await loadNodeSuite());

describe('forged credentials are rejected', () => {
  test('verifyDeviceCredential names the reason', async () => {
    const key = await createDeviceKey(w.suite);
    const good = await certifyDevice(
      w.bob.identity.privateKey,
      { userUri: BOB, deviceId: 'p', signaturePublicKey: key.publicKey },
      w.suite,
    );
    const byMallory = await certifyDevice(
      w.mallory.identity.privateKey,
      { userUri: BOB, deviceId: 'p', signaturePublicKey: key.publicKey },
      w.suite,
    );
    const stranger = await certifyDevice(
      w.mallory.identity.privateKey,
      { userUri: 'mimi://x.example/u/nobody', deviceId: 'p', signaturePublicKey: key.publicKey },
      w.suite,
    );
    const otherKey = await createDeviceKey(w.suite);
    const lookup = w.directory.lookup;
    const check = (cred: Parameters<typeof verifyDeviceCredential>[0], pk = key.publicKey) =>
      verifyDeviceCredential(cred, pk, lookup, w.suite);
    assert.deepEqual(await check(good), { ok: true, userUri: BOB, deviceId: 'p' });
    assert.deepEqual(await check(byMallory), { ok: false, reason: 'badCertificate' });
    assert.deepEqual(await check(good, otherKey.publicKey), { ok: false, reason: 'badCertificate' });
    assert.deepEqual(await check(stranger), { ok: false, reason: 'unknownUser' });
    assert.deepEqual(await check({ credentialType: 'x509', certificates: [new Uint8Array(8)] }), {
      ok: false,
      reason: 'notBasic',
    });
    assert.deepEqual(await check({ credentialType: 'basic', identity: utf8('bob') }), {
      ok: false,
      reason: 'malformed',
    });
  });

  test('our own client refuses to make a key package or group from a forged device', async () => {
    const forged = await createDevice({ uri: BOB, identity: w.mallory.identity }, 'phone', w.suite);
    await rejectsWith(createKeyPackage(w.ctx, forged), 'credentialRejected');
  });

  test('alice@a will not add a device certified by another user, an uncertified key, an unknown user or x509', async () => {
    const [alice] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, []);
    assert.ok(alice);
    const evil = malicious(w.ctx);
    const byOtherUser = await createDevice({ uri: BOB, identity: w.mallory.identity }, 'phone', w.suite);
    const unknownUser = await createDevice(
      { uri: 'mimi://x.example/u/nobody', identity: w.mallory.identity },
      'phone',
      w.suite,
    );
    const real = await w.device(w.bob);
    const mismatched = { credential: real.credential, signatureKey: await createDeviceKey(w.suite) };
    const forgedPackages = await Promise.all(
      [byOtherUser, unknownUser, mismatched].map(async (d) => (await createKeyPackage(evil, d)).keyPackage),
    );
    const x509Key = await createDeviceKey(w.suite);
    const x509 = await generateKeyPackageWithKey(
      { credentialType: 'x509', certificates: [utf8('not a certificate')] },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: x509Key.privateKey, publicKey: x509Key.publicKey },
      w.suite,
    );
    const x509Package = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_key_package',
      keyPackage: x509.publicPackage,
    });
    const before = encodeState(alice.state);
    for (const kp of forgedPackages)
      await rejectsWith(addMembers(w.ctx, alice.state, [kp]), 'credentialRejected');
    await assert.rejects(addMembers(w.ctx, alice.state, [x509Package]), CryptoError);
    // Two bad packages at once: ts-mls would leave a rejection unhandled; the adapter reports it cleanly.
    await rejectsWith(addMembers(w.ctx, alice.state, forgedPackages.slice(0, 2)), 'credentialRejected');
    assert.deepEqual(encodeState(alice.state), before);
  });

  test('mallory@m, a member, commits forged adds: bob and carol reject the commit and their state stays usable', async () => {
    const [alice, bob, carol, mallory] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
      { ctx: w.ctx, device: await w.device(w.carol) },
      { ctx: w.ctx, device: await w.device(w.mallory) },
    ]);
    assert.ok(alice && bob && carol && mallory);
    const evil = malicious(w.ctx);
    const malloryState = { ...mallory.state, clientConfig: evil.config };
    const fakeBob = await createKeyPackage(
      evil,
      await createDevice({ uri: BOB, identity: w.mallory.identity }, 'tablet', w.suite),
    );
    const fakeCarol = await createKeyPackage(
      evil,
      await createDevice({ uri: CAROL, identity: w.mallory.identity }, 'tablet', w.suite),
    );
    const daveKp = await createKeyPackage(w.ctx, await w.device(w.dave));

    const bobBefore = encodeState(bob.state);
    for (const forged of [[fakeBob.keyPackage], [fakeBob.keyPackage, fakeCarol.keyPackage]]) {
      const bad = await addMembers(evil, malloryState, [daveKp.keyPackage, ...forged]);
      await rejectsWith(processMessage(w.ctx, bob.state, bad.commit), 'credentialRejected');
      await rejectsWith(processMessage(w.ctx, carol.state, bad.commit), 'credentialRejected');
      // dave, invited by the same commit, refuses the Welcome: the tree holds a forged leaf.
      await rejectsWith(
        joinFromWelcome(w.ctx, { welcome: bad.welcome!, keyPackage: daveKp }),
        'credentialRejected',
      );
    }
    assert.deepEqual(encodeState(bob.state), bobBefore);
    await say(alice, 'still here', [bob, carol]);
    const update = await selfUpdate(w.ctx, carol.state);
    carol.state = update.state;
    await deliver(update.commit, [alice, bob]);
    sameEpoch(alice, bob, carol);
  });

  test('mallory@m proposes adding a forged device: bob refuses the proposal, and a committer leaves it out', async () => {
    const [alice, bob, mallory] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
      { ctx: w.ctx, device: await w.device(w.mallory) },
    ]);
    assert.ok(alice && bob && mallory);
    const evil = malicious(w.ctx);
    const fake = await createKeyPackage(
      evil,
      await createDevice({ uri: BOB, identity: w.mallory.identity }, 'tv', w.suite),
    );
    const proposal = await proposeAdd(evil, mallory.state, fake.keyPackage);

    const bobBefore = encodeState(bob.state);
    await rejectsWith(processMessage(w.ctx, bob.state, proposal.proposal), 'credentialRejected');
    assert.deepEqual(encodeState(bob.state), bobBefore);

    // Had alice stored it (say, an older client), her next commit still goes through without it.
    const stored = await processMessage(
      evil,
      { ...alice.state, clientConfig: evil.config },
      proposal.proposal,
    );
    alice.state = { ...stored.state, clientConfig: w.ctx.config };
    assert.equal(Object.keys(alice.state.unappliedProposals).length, 1);
    const commit = await commitPending(w.ctx, alice.state);
    alice.state = commit.state;
    assert.equal(commit.welcome, undefined);
    const [seen] = await deliver(commit.commit, [bob]);
    assert.ok(seen?.kind === 'commit' && seen.added.length === 0);
    sameEpoch(alice, bob);
    await say(bob, 'nobody new', [alice]);
  });

  test('mallory@m re-labels her leaf as another device in a commit: the others refuse the hand-over', async () => {
    const [alice, bob, mallory] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
      { ctx: w.ctx, device: await w.device(w.mallory) },
    ]);
    assert.ok(alice && bob && mallory);
    // A genuine certificate, by her own identity key, for the same signature key under another device id.
    const leafIndex = ownLeafIndex(mallory.state);
    const node = mallory.state.ratchetTree[leafIndex * 2];
    assert.ok(node?.nodeType === 'leaf');
    const tablet = await certifyDevice(
      w.mallory.identity.privateKey,
      { userUri: MALLORY, deviceId: 'tablet', signaturePublicKey: node.leaf.signaturePublicKey },
      w.suite,
    );
    const tree = mallory.state.ratchetTree.slice();
    tree[leafIndex * 2] = { nodeType: 'leaf', leaf: { ...node.leaf, credential: tablet } };
    const relabel = await selfUpdate(w.ctx, { ...mallory.state, ratchetTree: tree });
    await rejectsWith(processMessage(w.ctx, alice.state, relabel.commit), 'credentialRejected');
    await rejectsWith(processMessage(w.ctx, bob.state, relabel.commit), 'credentialRejected');
    // An honest update of the same leaf goes through.
    const honest = await selfUpdate(w.ctx, mallory.state);
    mallory.state = honest.state;
    await deliver(honest.commit, [alice, bob]);
    await rejectsWith(processMessage(w.ctx, mallory.state, honest.commit), 'unexpectedMessage');
    sameEpoch(alice, bob, mallory);
  });

  test('a forged device cannot join by external commit', async () => {
    const [alice, bob] = await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
      { ctx: w.ctx, device: await w.device(w.bob) },
    ]);
    assert.ok(alice && bob);
    const groupInfo = await exportGroupInfo(w.ctx, alice.state);
    const forged = await createDevice({ uri: ALICE, identity: w.mallory.identity }, 'laptop', w.suite);
    await rejectsWith(joinExternal(w.ctx, { groupInfo, device: forged }), 'credentialRejected');
    const joined = await joinExternal(malicious(w.ctx), { groupInfo, device: forged });
    await rejectsWith(processMessage(w.ctx, alice.state, joined.commit), 'credentialRejected');
    await rejectsWith(processMessage(w.ctx, bob.state, joined.commit), 'credentialRejected');
    await say(alice, 'no intruder', [bob]);
  });
});
