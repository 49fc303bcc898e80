// The hub's view of a group, read as a conversation: "alice@a opens a room; the hub, holding no secrets, sees
// her device; alice adds bob and carol; the hub accepts that commit and refuses bob's, which lost the race ...".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { FramedContent, GroupInfo } from 'ts-mls';
import { createProposal } from 'ts-mls/createMessage.js';
import { signFramedContentTBS, toTbs } from 'ts-mls/framedContent.js';
import { signGroupInfo } from 'ts-mls/groupInfo.js';
import { encodeMlsMessage } from 'ts-mls/message.js';
import { encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { decodeGroupInfo } from '../src/codec.ts';
import {
  addMembers,
  type CommitOutcome,
  checkHandshake,
  commitPending,
  createGroup,
  createKeyPackage,
  type Device,
  decodeMessage,
  encryptApplication,
  exportGroupInfo,
  groupIdOf,
  type HandshakeCheck,
  type HubMember,
  inspectGroupInfo,
  joinExternal,
  joinFromWelcome,
  leaveGroup,
  members,
  ownLeafIndex,
  removeMembers,
  selfUpdate,
} from '../src/index.ts';
import { loadNodeSuite } from '../src/node.ts';
import { ALICE, BOB, CAROL, createDevice, deliver, type Member, malicious, world } from './fixtures.ts';

const w = await world(await loadNodeSuite());

/** A hub's record of one room: the GroupInfo of the epoch it last accepted. */
class Hub {
  constructor(public groupInfo: Uint8Array) {}
  async submit(message: Uint8Array, next?: Uint8Array): Promise<HandshakeCheck> {
    const check = await checkHandshake(w.ctx, this.groupInfo, message, next);
    if (check.ok && check.kind === 'commit' && next !== undefined) this.groupInfo = next;
    return check;
  }
}

/** A commit as a client uploads it: the message and the GroupInfo of the epoch it makes. */
async function upload(by: Member, made: CommitOutcome) {
  by.state = made.state;
  return { commit: made.commit, groupInfo: await exportGroupInfo(by.ctx, made.state) };
}

const names = (ms: HubMember[]) => ms.map((m) => `${m.userUri}#${m.deviceId}`);
const refused = (check: HandshakeCheck) => (check.ok ? 'accepted' : check.reason);

// Every assert.ok here carries a message: without one, node:assert re-parses the (tsx-compiled, one-line) source
// to describe a failure, which takes minutes.
function accepted<K extends 'commit' | 'proposal'>(check: HandshakeCheck, kind: K) {
  if (!check.ok || check.kind !== kind) assert.fail(`expected an accepted ${kind}, got ${refused(check)}`);
  return check as Extract<HandshakeCheck, { kind: K }>;
}

/** alice@a opens a room on the hub and adds bob@b and carol@c through it. */
async function openRoom() {
  const devices = {
    alice: await w.device(w.alice),
    bob: await w.device(w.bob),
    carol: await w.device(w.carol),
  };
  const alice: Member = { ctx: w.ctx, state: (await createGroup(w.ctx, devices.alice)).state };
  const hub = new Hub(await exportGroupInfo(w.ctx, alice.state));
  const bundles = await Promise.all([devices.bob, devices.carol].map((d) => createKeyPackage(w.ctx, d)));
  const added = await addMembers(
    w.ctx,
    alice.state,
    bundles.map((b) => b.keyPackage),
  );
  const sent = await upload(alice, added);
  const adding = await hub.submit(sent.commit, sent.groupInfo);
  const join = async (i: number): Promise<Member> => ({
    ctx: w.ctx,
    state: (await joinFromWelcome(w.ctx, { welcome: added.welcome!, keyPackage: bundles[i]! })).state,
  });
  return { hub, devices, adding, alice, bob: await join(0), carol: await join(1) };
}

/** Re-signs a PublicMessage after `edit`, with `signKey`, over the group context of `groupInfo`. */
async function resign(
  message: Uint8Array,
  signKey: Uint8Array,
  groupInfo: Uint8Array,
  edit: (c: FramedContent) => FramedContent,
) {
  const m = decodeMessage(message);
  assert.ok(m.wireformat === 'mls_public_message', 'a PublicMessage');
  const content = edit(m.publicMessage.content);
  const tbs = toTbs(content, 'mls_public_message', decodeGroupInfo(groupInfo).groupContext);
  const signature = await signFramedContentTBS(signKey, tbs, w.suite.signature);
  const auth = { ...m.publicMessage.auth, signature };
  return encodeMlsMessage({ ...m, publicMessage: { ...m.publicMessage, content, auth } });
}

/** Re-signs a GroupInfo after `edit`, as a dishonest member holding `signKey` could. */
async function forgeGroupInfo(bytes: Uint8Array, signKey: Uint8Array, edit: (g: GroupInfo) => GroupInfo) {
  const { signature: _, ...tbs } = edit(decodeGroupInfo(bytes));
  const groupInfo = await signGroupInfo(tbs, signKey, w.suite.signature);
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
}

describe('inspectGroupInfo', () => {
  test("alice@a opens a room: the hub sees her one device, at epoch 0, in the group's id", async () => {
    const device = await w.device(w.alice, 'laptop');
    const { state } = await createGroup(w.ctx, device);
    const info = await inspectGroupInfo(w.ctx, await exportGroupInfo(w.ctx, state));
    assert.ok(info.ok, 'accepted');
    assert.deepEqual(info.groupId, groupIdOf(state));
    assert.equal(info.epoch, 0n);
    assert.deepEqual(info.members, [{ leaf: 0, userUri: ALICE, deviceId: 'laptop' }]);
  });

  test('a GroupInfo with a bad signature, no tree, a tree not its own, or a forged credential is refused', async () => {
    const device = await w.device(w.alice);
    const { state } = await createGroup(w.ctx, device);
    const good = await exportGroupInfo(w.ctx, state);
    const key = device.signatureKey.privateKey;
    const reason = async (bytes: Uint8Array) => {
      const info = await inspectGroupInfo(w.ctx, bytes);
      return info.ok ? 'accepted' : info.reason;
    };
    // The forging helper itself yields an accepted GroupInfo when it changes nothing.
    assert.equal(await reason(await forgeGroupInfo(good, key, (g) => g)), 'accepted');
    const mallory = await w.device(w.mallory);
    assert.equal(
      await reason(await forgeGroupInfo(good, mallory.signatureKey.privateKey, (g) => g)),
      'badSignature',
    );
    const noTree = (g: GroupInfo) => ({
      ...g,
      extensions: g.extensions.filter((e) => e.extensionType !== 'ratchet_tree'),
    });
    assert.equal(await reason(await forgeGroupInfo(good, key, noTree)), 'noTree');
    const otherHash = (g: GroupInfo) => ({
      ...g,
      groupContext: { ...g.groupContext, treeHash: new Uint8Array(32) },
    });
    assert.equal(await reason(await forgeGroupInfo(good, key, otherHash)), 'badTree');

    // A group made by a client that accepts any credential, holding "bob's" device certified by mallory.
    const lax = malicious(w.ctx);
    const forgedBob = await createDevice({ uri: BOB, identity: w.mallory.identity }, 'phone', w.suite);
    const laxGroup = (await createGroup(lax, device)).state;
    const withForged = await addMembers(lax, laxGroup, [(await createKeyPackage(lax, forgedBob)).keyPackage]);
    assert.equal(await reason(await exportGroupInfo(lax, withForged.state)), 'badCredential');
  });

  test('random bytes and other MLS messages are malformed, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        assert.deepEqual(await inspectGroupInfo(w.ctx, bytes), { ok: false, reason: 'malformed' });
      }),
      { numRuns: 300 },
    );
    const kp = await createKeyPackage(w.ctx, await w.device(w.bob));
    assert.deepEqual(await inspectGroupInfo(w.ctx, kp.keyPackage), { ok: false, reason: 'malformed' });
  });
});

describe('checkHandshake', () => {
  test('alice@a adds bob@b and carol@c: the hub accepts the commit and learns both devices', async () => {
    const room = await openRoom();
    const { alice } = room;
    const adding = accepted(room.adding, 'commit');
    assert.equal(adding.epoch, 0n);
    assert.deepEqual(adding.sender, { leaf: 0, userUri: ALICE, deviceId: 'phone' });
    assert.equal(adding.next.epoch, 1n);
    assert.deepEqual(names(adding.next.added), [`${BOB}#phone`, `${CAROL}#phone`]);
    assert.deepEqual(adding.next.removed, []);
    assert.deepEqual(
      names(adding.next.members),
      members(alice.state).map((m) => `${m.userUri}#${m.deviceId}`),
    );
  });

  test("bob's concurrent commit of the same epoch loses the race: staleEpoch once alice's is accepted", async () => {
    const { hub, alice, bob } = await openRoom();
    const before = hub.groupInfo;
    const byAlice = await upload(alice, await selfUpdate(w.ctx, alice.state));
    const byBob = await upload(bob, await selfUpdate(w.ctx, bob.state));
    // Either would have been accepted first.
    assert.equal(refused(await checkHandshake(w.ctx, before, byBob.commit, byBob.groupInfo)), 'accepted');
    assert.equal(refused(await hub.submit(byAlice.commit, byAlice.groupInfo)), 'accepted');
    assert.equal(refused(await hub.submit(byBob.commit, byBob.groupInfo)), 'staleEpoch');
    // A message from an epoch the hub has not reached yet is futureEpoch.
    const ahead = await upload(alice, await selfUpdate(w.ctx, alice.state));
    assert.equal(refused(await checkHandshake(w.ctx, before, ahead.commit, ahead.groupInfo)), 'futureEpoch');
  });

  test('a commit whose signature or signed content was tampered with is badSignature', async () => {
    const { hub, alice } = await openRoom();
    const sent = await upload(alice, await selfUpdate(w.ctx, alice.state));
    const m = decodeMessage(sent.commit);
    assert.ok(m.wireformat === 'mls_public_message', 'a PublicMessage');
    const signature = m.publicMessage.auth.signature.slice();
    signature[7] = (signature[7] ?? 0) ^ 1;
    const badSignature = encodeMlsMessage({
      ...m,
      publicMessage: { ...m.publicMessage, auth: { ...m.publicMessage.auth, signature } },
    });
    const content = { ...m.publicMessage.content, authenticatedData: new Uint8Array([1]) };
    const badContent = encodeMlsMessage({ ...m, publicMessage: { ...m.publicMessage, content } });
    assert.equal(refused(await hub.submit(badSignature, sent.groupInfo)), 'badSignature');
    assert.equal(refused(await hub.submit(badContent, sent.groupInfo)), 'badSignature');
    assert.equal(refused(await hub.submit(sent.commit, sent.groupInfo)), 'accepted');
  });

  test('alice removes carol: the hub lists her as removed, and her later validly signed commit is notMember', async () => {
    const { hub, alice, bob, carol, devices } = await openRoom();
    const carolsUpdate = await selfUpdate(w.ctx, carol.state); // made before she learns of her removal
    const bobsUpdate = await selfUpdate(w.ctx, bob.state);
    const sent = await upload(alice, await removeMembers(w.ctx, alice.state, [ownLeafIndex(carol.state)]));
    const removal = accepted(await hub.submit(sent.commit, sent.groupInfo), 'commit');
    assert.deepEqual(names(removal.next.removed), [`${CAROL}#phone`]);
    assert.deepEqual(removal.next.added, []);
    assert.deepEqual(names(removal.next.members), [`${ALICE}#phone`, `${BOB}#phone`]);

    // carol re-signs her commit for the new epoch with her own key; bob's, re-signed the same way, would pass.
    const nextEpoch = (c: FramedContent) => ({ ...c, epoch: c.epoch + 1n });
    const fromCarol = await resign(
      carolsUpdate.commit,
      devices.carol.signatureKey.privateKey,
      hub.groupInfo,
      nextEpoch,
    );
    const fromBob = await resign(
      bobsUpdate.commit,
      devices.bob.signatureKey.privateKey,
      hub.groupInfo,
      nextEpoch,
    );
    assert.equal(refused(await hub.submit(fromCarol)), 'notMember');
    assert.equal(refused(await checkHandshake(w.ctx, hub.groupInfo, fromBob)), 'badGroupInfo'); // signature passed
  });

  test('an application message is notHandshake; a handshake sent as PrivateMessage is notPublicMessage', async () => {
    const { hub, alice, bob } = await openRoom();
    const hello = await encryptApplication(w.ctx, alice.state, new TextEncoder().encode('hi'));
    assert.equal(refused(await hub.submit(hello.message)), 'notHandshake');
    const proposal = { proposalType: 'remove', remove: { removed: ownLeafIndex(bob.state) } } as const;
    const hidden = await createProposal(alice.state, false, proposal, w.suite);
    assert.equal(refused(await hub.submit(encodeMlsMessage(hidden.message))), 'notPublicMessage');
    const kp = await createKeyPackage(w.ctx, await w.device(w.dave));
    assert.equal(refused(await hub.submit(kp.keyPackage)), 'notHandshake');
  });

  test('the GroupInfo uploaded with a commit must be the epoch that very commit makes, signed by its committer', async () => {
    const { hub, alice, bob } = await openRoom();
    const current = hub.groupInfo;
    const before = alice.state;
    const sent = await upload(alice, await selfUpdate(w.ctx, alice.state));
    const rival = await upload({ ...bob }, await selfUpdate(w.ctx, bob.state)); // bob keeps his state
    const twin = await upload({ ...alice }, await selfUpdate(w.ctx, before)); // alice's other commit of this epoch
    const other: Member = { ctx: w.ctx, state: (await createGroup(w.ctx, await w.device(w.alice))).state };
    await upload(other, await selfUpdate(w.ctx, other.state)); // another group, at epoch 1 too
    const otherGroup = await exportGroupInfo(w.ctx, other.state);
    await deliver(sent.commit, [bob]);
    const exportedByBob = await exportGroupInfo(w.ctx, bob.state); // right epoch, wrong signer

    const check = (next?: Uint8Array) => checkHandshake(w.ctx, current, sent.commit, next).then(refused);
    assert.equal(await check(current), 'epochMismatch');
    assert.equal(await check(otherGroup), 'badGroupInfo');
    assert.equal(await check(rival.groupInfo), 'badGroupInfo');
    assert.equal(await check(twin.groupInfo), 'badGroupInfo');
    assert.equal(await check(exportedByBob), 'badGroupInfo');
    assert.equal(await check(undefined), 'badGroupInfo');
    assert.equal(await check(new Uint8Array([0, 1, 0, 4])), 'badGroupInfo');
    assert.equal(await check(sent.groupInfo), 'accepted');
  });

  test('a committer whose GroupInfo hides a member it added (tree re-hashed, re-signed) is badGroupInfo', async () => {
    const devices = {
      alice: await w.device(w.alice),
      bob: await w.device(w.bob),
      carol: await w.device(w.carol),
    };
    const alice: Member = { ctx: w.ctx, state: (await createGroup(w.ctx, devices.alice)).state };
    const current = await exportGroupInfo(w.ctx, alice.state);
    const kps = await Promise.all(
      [devices.bob, devices.carol].map((d: Device) => createKeyPackage(w.ctx, d)),
    );
    const sent = await upload(
      alice,
      await addMembers(
        w.ctx,
        alice.state,
        kps.map((k) => k.keyPackage),
      ),
    );
    const honest = decodeGroupInfo(sent.groupInfo);
    const tree = [...alice.state.ratchetTree];
    tree[2] = undefined; // bob's leaf, blanked
    const treeHash = await treeHashRoot(tree, w.suite.hash);
    const lie = (g: GroupInfo): GroupInfo => ({
      ...g,
      groupContext: { ...g.groupContext, treeHash },
      extensions: g.extensions.map((e) =>
        e.extensionType === 'ratchet_tree' ? { ...e, extensionData: encodeRatchetTree(tree) } : e,
      ),
    });
    assert.equal(honest.groupContext.epoch, 1n);
    const forged = await forgeGroupInfo(sent.groupInfo, devices.alice.signatureKey.privateKey, lie);
    const inspected = await inspectGroupInfo(w.ctx, forged);
    assert.ok(inspected.ok, 'the lie is a valid GroupInfo on its own');
    assert.deepEqual(names(inspected.members), [`${ALICE}#phone`, `${CAROL}#phone`]);
    assert.equal(refused(await checkHandshake(w.ctx, current, sent.commit, forged)), 'badGroupInfo');
    assert.equal(refused(await checkHandshake(w.ctx, current, sent.commit, sent.groupInfo)), 'accepted');
  });

  test('carol asks to leave: a proposal; bob commits it by reference and the hub lists her as removed', async () => {
    const { hub, alice, bob, carol } = await openRoom();
    const leave = await leaveGroup(w.ctx, carol.state);
    const proposed = accepted(await hub.submit(leave.proposal), 'proposal');
    assert.deepEqual(proposed.sender, { leaf: ownLeafIndex(carol.state), userUri: CAROL, deviceId: 'phone' });
    assert.equal(proposed.next, undefined);
    await deliver(leave.proposal, [alice, bob]);
    const sent = await upload(bob, await commitPending(w.ctx, bob.state));
    const committed = accepted(await hub.submit(sent.commit, sent.groupInfo), 'commit');
    assert.deepEqual(committed.sender.userUri, BOB);
    assert.deepEqual(names(committed.next.removed), [`${CAROL}#phone`]);
    await deliver(sent.commit, [alice]);
  });

  test("alice's laptop joins by external commit from the hub's GroupInfo; her phone re-joins with resync", async () => {
    const { hub, alice, devices } = await openRoom();
    const laptop = await w.device(w.alice, 'laptop');
    const joined = await joinExternal(w.ctx, { groupInfo: hub.groupInfo, device: laptop });
    const sent = await upload({ ctx: w.ctx, state: joined.state }, joined);
    const join = accepted(await hub.submit(sent.commit, sent.groupInfo), 'commit');
    assert.deepEqual(names([join.sender]), [`${ALICE}#laptop`]);
    assert.deepEqual(join.next.added, [join.sender]);
    assert.deepEqual(join.next.removed, []);
    await deliver(sent.commit, [alice]);

    const rejoined = await joinExternal(w.ctx, {
      groupInfo: hub.groupInfo,
      device: devices.alice,
      resync: true,
    });
    const again = await upload({ ctx: w.ctx, state: rejoined.state }, rejoined);
    const resync = accepted(await hub.submit(again.commit, again.groupInfo), 'commit');
    assert.deepEqual(names(resync.next.removed), [`${ALICE}#phone`]);
    assert.deepEqual(names(resync.next.added), [`${ALICE}#phone`]);
  });

  test('random bytes, and random bodies behind a PublicMessage header, never throw', async () => {
    const { hub } = await openRoom();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        assert.deepEqual(await hub.submit(bytes), { ok: false, reason: 'malformed' });
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (body) => {
        const check = await hub.submit(new Uint8Array([0, 1, 0, 1, ...body]), body);
        assert.equal(check.ok, false);
      }),
      { numRuns: 300 },
    );
  });
});
