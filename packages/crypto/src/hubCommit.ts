// The commit rules of the hub (see hub.ts): what a commit and the GroupInfo uploaded with it must agree on, checked
// from public data only. Leaves are compared by position, as MLS keeps them: a member stays at its leaf until
// removed, so a leaf that now holds another device was emptied by a Remove and filled by an Add.
import type { Commit, Credential, GroupInfo, ProposalOrRef, PublicMessage } from 'ts-mls';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import type { MlsContext } from './context.js';
import { bytesEqual } from './wire.js';

/** A leaf of a GroupInfo's tree with the device its credential names. */
export interface Leaf {
  leaf: number;
  userUri: string;
  deviceId: string;
  signatureKey: Uint8Array;
  credential: Credential;
}

export const sameDevice = (a: Pick<Leaf, 'userUri' | 'deviceId'>, b: Pick<Leaf, 'userUri' | 'deviceId'>) =>
  a.userUri === b.userUri && a.deviceId === b.deviceId;

/** The next GroupInfo's context must be this commit's: same transcript hash chain, same confirmation tag. */
export async function follows(ctx: MlsContext, current: GroupInfo, pm: PublicMessage, next: GroupInfo) {
  if (pm.content.contentType !== 'commit' || pm.auth.contentType !== 'commit') return false;
  if (!bytesEqual(pm.auth.confirmationTag, next.confirmationTag)) return false;
  const { hash } = ctx.suite;
  const interim = await createInterimHash(
    current.groupContext.confirmedTranscriptHash,
    current.confirmationTag,
    hash,
  );
  const input = {
    wireformat: 'mls_public_message',
    content: pm.content,
    signature: pm.auth.signature,
  } as const;
  return bytesEqual(
    await createConfirmedHash(interim, input, hash),
    next.groupContext.confirmedTranscriptHash,
  );
}

/** What a commit's proposals by value do; proposals by reference are only counted (the hub keeps none). */
export function summarize(proposals: ProposalOrRef[]) {
  const out = { references: 0, inits: 0, others: 0, addKeys: [] as Uint8Array[], removes: new Set<number>() };
  for (const p of proposals) {
    if (p.proposalOrRefType === 'reference') out.references++;
    else if (p.proposal.proposalType === 'add')
      out.addKeys.push(p.proposal.add.keyPackage.leafNode.signaturePublicKey);
    else if (p.proposal.proposalType === 'remove') out.removes.add(p.proposal.remove.removed);
    else if (p.proposal.proposalType === 'external_init') out.inits++;
    else if (p.proposal.proposalType !== 'psk') out.others++;
  }
  return out;
}
type Summary = ReturnType<typeof summarize>;

/** Leaf by leaf: removed by value, or holding another device now, is a removal (and the new device an addition). */
export function delta(before: Leaf[], after: Leaf[], removes: Set<number>) {
  const kept = (l: Leaf, other: Leaf[]) =>
    !removes.has(l.leaf) && other.some((o) => o.leaf === l.leaf && sameDevice(o, l));
  return { added: after.filter((l) => !kept(l, before)), removed: before.filter((l) => !kept(l, after)) };
}
type Delta = ReturnType<typeof delta>;

/** Member commit: by-value Adds and Removes must be exactly the change, up to one more change per reference. */
export function memberCommitFits(before: Leaf[], p: Summary, change: Delta): boolean {
  if (p.inits > 0 || [...p.removes].some((leaf) => !before.some((l) => l.leaf === leaf))) return false;
  if (!p.addKeys.every((k) => change.added.some((l) => bytesEqual(l.signatureKey, k)))) return false;
  const unexplained = change.removed.length - p.removes.size + change.added.length - p.addKeys.length;
  return unexplained >= 0 && unexplained <= p.references;
}

/** External commit: one ExternalInit, the joiner is the one addition, and it may only replace its own device. */
export function externalCommitFits(commit: Commit, p: Summary, change: Delta, joiner: Leaf): boolean {
  const pathKey = commit.path?.leafNode.signaturePublicKey;
  if (pathKey === undefined || !bytesEqual(pathKey, joiner.signatureKey)) return false;
  const [added, ...more] = change.added;
  return (
    p.inits === 1 &&
    p.references === 0 &&
    p.addKeys.length === 0 &&
    p.others === 0 &&
    added?.leaf === joiner.leaf &&
    more.length === 0 &&
    change.removed.length === p.removes.size &&
    change.removed.every((l) => sameDevice(l, joiner))
  );
}
