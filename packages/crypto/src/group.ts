import type { Proposal, ProposalOrRef } from 'ts-mls';
import { createGroup as mlsCreateGroup } from 'ts-mls/clientState.js';
import { createCommit } from 'ts-mls/createCommit.js';
import { createProposal } from 'ts-mls/createMessage.js';
import { base64ToBytes } from 'ts-mls/util/byteArray.js';
import { decodeKeyPackage, encodeMessage } from './codec.js';
import type { MlsContext } from './context.js';
import { CryptoError, guard } from './errors.js';
import { type Device, generate } from './keyPackage.js';
import { validateOneByOne } from './prevalidate.js';
import { withCommittablePending } from './proposals.js';
import { pskIndex } from './psk.js';
import {
  type CommitOutcome,
  type GroupState,
  members,
  type Outcome,
  ownLeafIndex,
  type ProposalOutcome,
} from './state.js';

/**
 * Creates a new group with this device as its only member, at epoch 0. The group id is 32 random bytes
 * unless one is given.
 *
 * @example
 * const { state } = await createGroup(ctx, phone);
 */
export async function createGroup(
  ctx: MlsContext,
  device: Device,
  options: { groupId?: Uint8Array } = {},
): Promise<Outcome> {
  const { publicPackage, privatePackage } = await generate(ctx, device);
  const groupId = options.groupId ?? ctx.suite.rng.randomBytes(32);
  const state = await guard(() =>
    mlsCreateGroup(groupId, publicPackage, privatePackage, [], ctx.suite, ctx.config),
  );
  return { state, wipe: [privatePackage.initPrivateKey] };
}

// Handshake messages go out as PublicMessage so a delivery service can order and check them; Welcomes carry
// the ratchet tree so a joiner needs nothing else.
async function commit(
  ctx: MlsContext,
  state: GroupState,
  proposals: Proposal[],
  needPath = false,
): Promise<CommitOutcome> {
  const psks = pskIndex(state);
  const base = await withCommittablePending(state, psks, ctx.suite);
  const pending = Object.values(base.unappliedProposals).map((p) => p.proposal.proposalType);
  // COMPAT: ts-mls 1.6.4 has no "force path" option; a commit of Add-only proposals goes out without a path.
  if (needPath && pending.length > 0 && !pending.some((t) => t === 'update' || t === 'remove')) {
    throw new CryptoError(
      'usage',
      'pending Add proposals would make a path-less commit: commitPending first',
    );
  }
  // The same list createCommit builds: every pending proposal by reference, then ours by value.
  const all: ProposalOrRef[] = [
    ...Object.keys(base.unappliedProposals).map(
      (ref): ProposalOrRef => ({ proposalOrRefType: 'reference', reference: base64ToBytes(ref) }),
    ),
    ...proposals.map((proposal): ProposalOrRef => ({ proposalOrRefType: 'proposal', proposal })),
  ];
  await validateOneByOne(base, all, ownLeafIndex(base), psks, true, ctx.suite);
  const result = await guard(() =>
    createCommit(
      { state: base, cipherSuite: ctx.suite, pskIndex: psks },
      { wireAsPublicMessage: true, extraProposals: proposals, ratchetTreeExtension: true },
    ),
  );
  const welcome =
    result.welcome && encodeMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome });
  return { state: result.newState, commit: encodeMessage(result.commit), welcome, wipe: result.consumed };
}

/**
 * Adds devices by their key packages: one commit for the group and one Welcome for all the new members.
 * Every key package's credential must pass our authentication service, or nothing happens.
 *
 * @example
 * const { state: next, commit, welcome } = await addMembers(ctx, state, [bobPhoneKeyPackage]);
 */
export async function addMembers(
  ctx: MlsContext,
  state: GroupState,
  keyPackages: Uint8Array[],
): Promise<CommitOutcome> {
  if (keyPackages.length === 0) throw new CryptoError('usage', 'no key packages to add');
  const adds = keyPackages.map(
    (kp): Proposal => ({ proposalType: 'add', add: { keyPackage: decodeKeyPackage(kp) } }),
  );
  return commit(ctx, state, adds);
}

/**
 * Removes devices by leaf index. The commit carries a fresh update path, so the removed devices learn
 * nothing of the next epoch. A device cannot remove itself this way: see `leaveGroup`.
 *
 * @example
 * const bob = members(state).filter((m) => m.userUri === 'mimi://b.example/u/bob').map((m) => m.leafIndex);
 * const out = await removeMembers(ctx, state, bob);
 */
export async function removeMembers(
  ctx: MlsContext,
  state: GroupState,
  leafIndices: number[],
): Promise<CommitOutcome> {
  const present = new Set(members(state).map((m) => m.leafIndex));
  if (leafIndices.length === 0) throw new CryptoError('usage', 'no members to remove');
  for (const leaf of leafIndices) {
    if (!present.has(leaf)) throw new CryptoError('usage', `no member at leaf ${leaf}`);
    if (leaf === ownLeafIndex(state))
      throw new CryptoError('usage', 'cannot remove yourself; use leaveGroup');
  }
  return commit(
    ctx,
    state,
    leafIndices.map((removed): Proposal => ({ proposalType: 'remove', remove: { removed } })),
  );
}

/**
 * Commits a fresh update path for this device (new leaf and path keys), healing the group after a possible
 * compromise of this device's old state. Pending proposals are committed with it.
 *
 * @example
 * const { state: healed, commit } = await selfUpdate(ctx, state);
 */
export function selfUpdate(ctx: MlsContext, state: GroupState): Promise<CommitOutcome> {
  return commit(ctx, state, [], true);
}

/**
 * Commits the proposals this state has received (or, when there are none, a self update).
 *
 * @example
 * const out = await commitPending(ctx, state);
 */
export function commitPending(ctx: MlsContext, state: GroupState): Promise<CommitOutcome> {
  return commit(ctx, state, []);
}

async function propose(ctx: MlsContext, state: GroupState, proposal: Proposal): Promise<ProposalOutcome> {
  const result = await guard(() => createProposal(state, true, proposal, ctx.suite));
  return { state: result.newState, proposal: encodeMessage(result.message), wipe: result.consumed };
}

/**
 * Proposes removing a member; any member may then commit it with `commitPending`.
 *
 * @example
 * const { state: next, proposal } = await proposeRemove(ctx, state, 3);
 */
export function proposeRemove(
  ctx: MlsContext,
  state: GroupState,
  leafIndex: number,
): Promise<ProposalOutcome> {
  return propose(ctx, state, { proposalType: 'remove', remove: { removed: leafIndex } });
}

/**
 * Proposes adding a device by its key package; the committer sends the Welcome.
 *
 * @example
 * const { proposal } = await proposeAdd(ctx, state, carolKeyPackage);
 */
export function proposeAdd(
  ctx: MlsContext,
  state: GroupState,
  keyPackage: Uint8Array,
): Promise<ProposalOutcome> {
  return propose(ctx, state, { proposalType: 'add', add: { keyPackage: decodeKeyPackage(keyPackage) } });
}

/**
 * Asks to leave the group: a proposal to remove this device, which another member commits.
 *
 * @example
 * const { proposal } = await leaveGroup(ctx, state);
 */
export function leaveGroup(ctx: MlsContext, state: GroupState): Promise<ProposalOutcome> {
  return proposeRemove(ctx, state, ownLeafIndex(state));
}
