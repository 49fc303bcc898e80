// COMPAT: ts-mls 1.6.4 validates a commit's Updates and Adds in `reduce(async ...)` chains (applyTreeMutations)
// that validate item k+1 before awaiting item k. When two items are invalid, the first rejection is never
// handled: in a browser that is a console error, on Node (default --unhandled-rejections=throw) it ends the
// process. Any member could send such a commit, and an app could pass two bad key packages to addMembers.
// So when a commit holds more than one Add or Update we first validate each of them alone, through ts-mls's own
// applyProposals; the items are validated against the unchanged tree, so if each passes alone none can fail in
// the combined run, and if one fails we report it without starting the combined run.
import type { ClientState, LeafIndex, PrivateMessage, Proposal, ProposalOrRef, PskIndex } from 'ts-mls';
import { applyProposals } from 'ts-mls/clientState.js';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { bytesToBase64 } from 'ts-mls/util/byteArray.js';
import { guard } from './errors.js';
import type { Suite } from './suite.js';

function typeOf(state: ClientState, p: ProposalOrRef): string | number | undefined {
  if (p.proposalOrRefType === 'proposal') return p.proposal.proposalType;
  return state.unappliedProposals[bytesToBase64(p.reference)]?.proposal.proposalType;
}

/** Validates each Add and Update of a commit on its own when there are several of either. */
export async function validateOneByOne(
  state: ClientState,
  proposals: ProposalOrRef[],
  committer: number,
  psks: PskIndex,
  sentByClient: boolean,
  suite: Suite,
): Promise<void> {
  const risky = proposals.filter((p) => typeOf(state, p) === 'add' || typeOf(state, p) === 'update');
  const adds = risky.filter((p) => typeOf(state, p) === 'add').length;
  if (adds < 2 && risky.length - adds < 2) return;
  const others = proposals.filter((p) => !risky.includes(p));
  for (const item of risky) {
    await guard(() =>
      applyProposals(state, [...others, item], committer as LeafIndex, psks, sentByClient, suite),
    );
  }
}

/**
 * The content of a handshake PrivateMessage of the current epoch, decrypted without touching the state (the
 * secret tree is persistent), so that it can be checked before ts-mls applies it. Undefined when it does not
 * decrypt: the real processing then reports that failure.
 */
export async function privateHandshake(
  state: ClientState,
  pm: PrivateMessage,
  suite: Suite,
): Promise<{ sender: number; proposal?: Proposal; proposals?: ProposalOrRef[] } | undefined> {
  if (pm.contentType === 'application' || pm.epoch !== state.groupContext.epoch) return undefined;
  try {
    const { content } = await unprotectPrivateMessage(
      state.keySchedule.senderDataSecret,
      pm,
      state.secretTree,
      state.ratchetTree,
      state.groupContext,
      state.clientConfig.keyRetentionConfig,
      suite,
    );
    const { sender } = content.content;
    if (sender.senderType !== 'member') return undefined;
    if (content.content.contentType === 'commit')
      return { sender: sender.leafIndex, proposals: content.content.commit.proposals };
    if (content.content.contentType === 'proposal')
      return { sender: sender.leafIndex, proposal: content.content.proposal };
    return undefined;
  } catch {
    return undefined;
  }
}
