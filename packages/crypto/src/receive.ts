import type { IncomingMessageCallback, PrivateMessage, PublicMessage, RatchetTree, Sender } from 'ts-mls';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { processPrivateMessage, processPublicMessage } from 'ts-mls/processMessages.js';
import { decodeMessage } from './codec.js';
import type { ExternalPsk, MlsContext } from './context.js';
import { CryptoError, guard } from './errors.js';
import { privateHandshake, validateOneByOne } from './prevalidate.js';
import { checkProposal } from './proposals.js';
import { pskIndex } from './psk.js';
import { type GroupState, type Member, memberOf, membersOf } from './state.js';
import { bytesEqual } from './wire.js';

/** What an incoming group message turned out to be, with the state after it. Zero `wipe` once stored. */
export type Received =
  | {
      kind: 'application';
      state: GroupState;
      plaintext: Uint8Array;
      sender: Member;
      authenticatedData: Uint8Array;
      wipe: Uint8Array[];
    }
  | { kind: 'proposal'; state: GroupState; sender: Member | undefined; wipe: Uint8Array[] }
  | {
      kind: 'commit';
      state: GroupState;
      /** The committer; undefined for an external commit (the joiner is then in `added`). */
      sender: Member | undefined;
      epoch: bigint;
      added: Member[];
      removed: Member[];
      /** This device was removed: the state is final and can neither send nor read the new epoch. */
      removedSelf: boolean;
      wipe: Uint8Array[];
    };

// One leaf's credential, not the whole tree's: decrypting in a 1,000-member group spent half its time listing members.
function memberAt(tree: RatchetTree, leafIndex: number | undefined): Member | undefined {
  return leafIndex === undefined ? undefined : memberOf(tree, leafIndex);
}

const senderLeaf = (sender: Sender) => (sender.senderType === 'member' ? sender.leafIndex : undefined);

function sameGroup(state: GroupState, groupId: Uint8Array): void {
  if (!bytesEqual(groupId, state.groupContext.groupId)) {
    throw new CryptoError('unexpectedMessage', 'message belongs to another group');
  }
}

/** Records which leaves a commit removes, through ts-mls's incoming-message hook. */
function removalsOf(): { callback: IncomingMessageCallback; removed: Set<number> } {
  const removed = new Set<number>();
  const callback: IncomingMessageCallback = (incoming) => {
    if (incoming.kind === 'commit') {
      for (const { proposal } of incoming.proposals) {
        if (proposal.proposalType === 'remove') removed.add(proposal.remove.removed);
      }
    }
    return 'accept';
  };
  return { callback, removed };
}

function commitOutcome(
  ctx: MlsContext,
  before: GroupState,
  after: GroupState,
  committer: number | undefined,
  removedLeaves: Set<number>,
  wipe: Uint8Array[],
): Received {
  const old = membersOf(before.ratchetTree);
  const oldLeaves = new Set(old.map((m) => m.leafIndex));
  for (let node = 0; node < Math.min(before.ratchetTree.length, after.ratchetTree.length); node += 2) {
    const a = before.ratchetTree[node];
    const b = after.ratchetTree[node];
    if (a?.nodeType !== 'leaf' || b?.nodeType !== 'leaf' || removedLeaves.has(node / 2)) continue;
    const unchanged = a.leaf.credential === b.leaf.credential;
    if (!unchanged && !ctx.isSuccessor(a.leaf.credential, b.leaf.credential)) {
      throw new CryptoError('credentialRejected', `leaf ${node / 2} changed to another device`);
    }
  }
  return {
    kind: 'commit',
    state: after,
    sender: memberAt(before.ratchetTree, committer),
    epoch: after.groupContext.epoch,
    added: membersOf(after.ratchetTree).filter(
      (m) => !oldLeaves.has(m.leafIndex) || removedLeaves.has(m.leafIndex),
    ),
    removed: old.filter((m) => removedLeaves.has(m.leafIndex)),
    removedSelf: after.groupActiveState.kind === 'removedFromGroup',
    wipe,
  };
}

async function receivePublic(ctx: MlsContext, state: GroupState, pm: PublicMessage, psks: ExternalPsk[]) {
  sameGroup(state, pm.content.groupId);
  // RFC 9420 §6.2: application data is only ever sent as PrivateMessage.
  if (pm.content.contentType === 'application')
    throw new CryptoError('unexpectedMessage', 'public application message');
  const { callback, removed } = removalsOf();
  const index = pskIndex(state, psks);
  const sender = senderLeaf(pm.content.sender);
  if (pm.content.contentType === 'commit' && sender === state.privatePath.leafIndex) {
    throw new CryptoError(
      'unexpectedMessage',
      "this device's own commit: keep the state returned when making it",
    );
  }
  if (pm.content.contentType === 'commit' && sender !== undefined) {
    await validateOneByOne(state, pm.content.commit.proposals, sender, index, false, ctx.suite);
  }
  if (pm.content.contentType === 'proposal')
    await checkProposal(ctx, state, pm.content.proposal, sender, index);
  const result = await guard(() => processPublicMessage(state, pm, index, ctx.suite, callback));
  if (pm.content.contentType === 'proposal') {
    return {
      kind: 'proposal',
      state: result.newState,
      sender: memberAt(state.ratchetTree, sender),
      wipe: result.consumed,
    } as const;
  }
  return commitOutcome(ctx, state, result.newState, sender, removed, result.consumed);
}

/** The (already authenticated) sender of a PrivateMessage, read from its sender data with the pre-state. */
async function privateSender(
  ctx: MlsContext,
  state: GroupState,
  pm: PrivateMessage,
): Promise<number | undefined> {
  const epoch =
    pm.epoch === state.groupContext.epoch ? undefined : state.historicalReceiverData.get(pm.epoch);
  const secret = epoch?.senderDataSecret ?? state.keySchedule.senderDataSecret;
  const data = await guard(() => decryptSenderData(pm, secret, ctx.suite));
  return data?.leafIndex;
}

/** Processes a PrivateMessage of any content type. */
export async function receivePrivate(
  ctx: MlsContext,
  state: GroupState,
  pm: PrivateMessage,
  psks: ExternalPsk[] = [],
): Promise<Received> {
  sameGroup(state, pm.groupId);
  const { callback, removed } = removalsOf();
  const index = pskIndex(state, psks);
  const handshake = await privateHandshake(state, pm, ctx.suite);
  if (handshake?.proposals !== undefined)
    await validateOneByOne(state, handshake.proposals, handshake.sender, index, false, ctx.suite);
  if (handshake?.proposal !== undefined)
    await checkProposal(ctx, state, handshake.proposal, handshake.sender, index);
  const result = await guard(() => processPrivateMessage(state, pm, index, ctx.suite, callback));
  const leaf = await privateSender(ctx, state, pm);
  const tree = state.historicalReceiverData.get(pm.epoch)?.ratchetTree ?? state.ratchetTree;
  if (result.kind === 'applicationMessage') {
    const sender = memberAt(tree, leaf);
    if (sender === undefined) throw new CryptoError('internal', 'authenticated sender not in the tree');
    const { newState, message, consumed } = result;
    return {
      kind: 'application',
      state: newState,
      plaintext: message,
      sender,
      authenticatedData: pm.authenticatedData,
      wipe: consumed,
    };
  }
  if (pm.contentType === 'proposal') {
    return { kind: 'proposal', state: result.newState, sender: memberAt(tree, leaf), wipe: result.consumed };
  }
  return commitOutcome(ctx, state, result.newState, leaf, removed, result.consumed);
}

/**
 * Processes any message of the group: an application message (decrypted), a proposal (stored until a
 * commit) or a commit (applied: new epoch). Handshake messages are accepted as PublicMessage or
 * PrivateMessage. Every failure, including any garbage input, is a CryptoError and leaves `state` valid.
 *
 * @example
 * const got = await processMessage(ctx, state, bytes);
 * if (got.kind === 'application') show(got.sender.userUri, got.plaintext);
 * state = got.state;
 */
export async function processMessage(
  ctx: MlsContext,
  state: GroupState,
  bytes: Uint8Array,
  options: { psks?: ExternalPsk[] } = {},
): Promise<Received> {
  const message = decodeMessage(bytes);
  if (message.wireformat === 'mls_public_message')
    return receivePublic(ctx, state, message.publicMessage, options.psks ?? []);
  if (message.wireformat === 'mls_private_message')
    return receivePrivate(ctx, state, message.privateMessage, options.psks);
  throw new CryptoError('unexpectedMessage', `a ${message.wireformat} is not a group message`);
}
