// Proposals are checked when they arrive and again when committed. ts-mls 1.6.4 stores any received proposal
// and its createCommit includes every stored one by reference, so a single invalid proposal (a forged Add, say)
// would make every later commit of every member fail: the group could no longer change. RFC 9420 §12.2 wants
// invalid proposals left out of commits; we refuse them on receipt and leave out any that no longer validate.
import type { ClientState, LeafIndex, Proposal, PskIndex, UnappliedProposals } from 'ts-mls';
import { applyProposals } from 'ts-mls/clientState.js';
import { base64ToBytes } from 'ts-mls/util/byteArray.js';
import type { MlsContext } from './context.js';
import { CryptoError, guard } from './errors.js';

/** Validates a received Add or Update proposal as a commit would (Add) or against our authentication rules. */
export async function checkProposal(
  ctx: MlsContext,
  state: ClientState,
  proposal: Proposal,
  sender: number | undefined,
  psks: PskIndex,
): Promise<void> {
  if (proposal.proposalType === 'add') {
    const asCommitted = [{ proposalOrRefType: 'proposal', proposal } as const];
    await guard(() =>
      applyProposals(state, asCommitted, sender as LeafIndex | undefined, psks, false, ctx.suite),
    );
  } else if (proposal.proposalType === 'update') {
    const { leafNode } = proposal.update;
    const auth = state.clientConfig.authService;
    if (!(await guard(() => auth.validateCredential(leafNode.credential, leafNode.signaturePublicKey)))) {
      throw new CryptoError('credentialRejected', 'update proposal with a rejected credential');
    }
    const old = sender === undefined ? undefined : state.ratchetTree[sender * 2];
    if (old?.nodeType !== 'leaf') throw new CryptoError('invalid', 'update proposal from a blank leaf');
    if (
      old.leaf.credential !== leafNode.credential &&
      !ctx.isSuccessor(old.leaf.credential, leafNode.credential)
    ) {
      throw new CryptoError('credentialRejected', `leaf ${sender} proposes to become another device`);
    }
  }
}

/** The state with only those pending proposals that this member can validly commit. */
export async function withCommittablePending(
  state: ClientState,
  psks: PskIndex,
  suite: MlsContext['suite'],
): Promise<ClientState> {
  const entries = Object.entries(state.unappliedProposals);
  const kept: UnappliedProposals = {};
  for (const [ref, pending] of entries) {
    const one = [{ proposalOrRefType: 'reference', reference: base64ToBytes(ref) } as const];
    try {
      await applyProposals(state, one, state.privatePath.leafIndex as LeafIndex, psks, true, suite);
      kept[ref] = pending;
    } catch {
      // left out of the commit (RFC 9420 §12.2); it is dropped with the epoch
    }
  }
  return Object.keys(kept).length === entries.length ? state : { ...state, unappliedProposals: kept };
}
