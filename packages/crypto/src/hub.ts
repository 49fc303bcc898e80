// The hub's view of a group. The provider hosting a room holds no MLS secrets, yet keeps the room's member list
// in step with the group and accepts one commit per epoch. It works from public data only: handshakes travel as
// PublicMessage, and with every commit the committer uploads the new epoch's GroupInfo (signed, ratchet tree
// included), which becomes the hub's current one. Whatever needs the epoch secrets (membership tags, whether the
// new tree really results from the commit's update path) is left to the members, who process every commit.
import type { GroupInfo, PublicMessage, RatchetTree } from 'ts-mls';
import { validateRatchetTree } from 'ts-mls/clientState.js';
import { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
import { ratchetTreeFromExtension, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { decodeMessage } from './codec.js';
import type { MlsContext } from './context.js';
import { readDeviceCredential } from './credentials.js';
import { CryptoError } from './errors.js';
import {
  delta,
  externalCommitFits,
  follows,
  type Leaf,
  memberCommitFits,
  sameDevice,
  summarize,
} from './hubCommit.js';
import { SUITE_NAME } from './suite.js';
import { bytesEqual } from './wire.js';

/** A device in the group as the hub sees it: its leaf and the names its (verified) credential carries. */
export interface HubMember {
  leaf: number;
  userUri: string;
  deviceId: string;
}

/** Why a GroupInfo was refused. 'badTree': the tree fails RFC 9420 validation or its hash is not the context's. */
export type GroupInfoRejection = 'malformed' | 'noTree' | 'badTree' | 'badSignature' | 'badCredential';

/** The verdict on a GroupInfo. */
export type GroupInfoCheck =
  | { ok: true; groupId: Uint8Array; epoch: bigint; members: HubMember[] }
  | { ok: false; reason: GroupInfoRejection };

/** The epoch an accepted commit leads to, with the member changes it makes (compared leaf by leaf). */
export interface NextEpoch {
  epoch: bigint;
  members: HubMember[];
  added: HubMember[];
  removed: HubMember[];
}

/** Why a handshake was refused; 'epochMismatch' is a next GroupInfo whose epoch is not the message's + 1. */
export type HandshakeRejection =
  | 'malformed'
  | 'notPublicMessage'
  | 'notHandshake'
  | 'wrongGroup'
  | 'staleEpoch'
  | 'futureEpoch'
  | 'notMember'
  | 'badSignature'
  | 'badGroupInfo'
  | 'epochMismatch';

/** The verdict on a handshake message: a proposal, or a commit with the epoch it leads to. */
export type HandshakeCheck =
  | { ok: true; kind: 'proposal'; epoch: bigint; sender: HubMember; next?: undefined }
  | { ok: true; kind: 'commit'; epoch: bigint; sender: HubMember; next: NextEpoch }
  | { ok: false; reason: HandshakeRejection };

interface Parsed {
  info: GroupInfo;
  tree: RatchetTree;
  leaves: Leaf[];
  signer: Leaf;
}

const member = ({ leaf, userUri, deviceId }: HubMember): HubMember => ({ leaf, userUri, deviceId });

/** False instead of a throw: a verification over hostile input may fail inside the library. */
async function holds(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

/** Decodes a GroupInfo MLSMessage (as `exportGroupInfo` makes) and reads its tree's leaves. */
function parse(bytes: Uint8Array): Parsed | 'malformed' | 'noTree' | 'badCredential' | 'badSignature' {
  let info: GroupInfo;
  try {
    const message = decodeMessage(bytes);
    if (message.wireformat !== 'mls_group_info') return 'malformed';
    info = message.groupInfo;
  } catch (e) {
    if (e instanceof CryptoError) return 'malformed';
    throw e;
  }
  if (info.groupContext.cipherSuite !== SUITE_NAME) return 'malformed';
  let tree: RatchetTree | undefined;
  try {
    tree = ratchetTreeFromExtension(info);
  } catch {
    return 'noTree';
  }
  if (tree === undefined) return 'noTree';
  const leaves: Leaf[] = [];
  for (let node = 0; node < tree.length; node += 2) {
    const n = tree[node];
    if (n?.nodeType !== 'leaf') continue;
    const name = readDeviceCredential(n.leaf.credential);
    if (name === undefined) return 'badCredential';
    const { signaturePublicKey: signatureKey, credential } = n.leaf;
    leaves.push({ leaf: node / 2, userUri: name.userUri, deviceId: name.deviceId, signatureKey, credential });
  }
  const signer = leaves.find((l) => l.leaf === info.signer);
  return signer === undefined ? 'badSignature' : { info, tree, leaves, signer };
}

async function inspect(ctx: MlsContext, bytes: Uint8Array): Promise<Parsed | GroupInfoRejection> {
  const parsed = parse(bytes);
  if (typeof parsed === 'string') return parsed;
  const { info, tree, leaves, signer } = parsed;
  const signed = () => verifyGroupInfoSignature(info, signer.signatureKey, ctx.suite.signature);
  if (!(await holds(signed))) return 'badSignature';
  const auth = ctx.config.authService;
  for (const l of leaves) {
    if (!(await holds(() => auth.validateCredential(l.credential, l.signatureKey)))) return 'badCredential';
  }
  const { lifetimeConfig } = ctx.config;
  const context = info.groupContext;
  const invalid = await validateRatchetTree(tree, context, lifetimeConfig, auth, context.treeHash, ctx.suite)
    .then((error) => error !== undefined)
    .catch(() => true);
  return invalid ? 'badTree' : parsed;
}

/**
 * Checks a GroupInfo as the hub receives it with a commit (or once, from the group's creator): an MLSMessage
 * GroupInfo of cipher suite 1 carrying the ratchet tree, signed by the member at its signer leaf, every leaf a
 * Parley device credential that `ctx`'s authentication service accepts (so an identity-key lookup failure is
 * 'badCredential' too), and a tree that passes RFC 9420 validation and hashes to the signed group context.
 * Nothing here needs a secret; the confirmation tag is not checked (it would need the epoch's key schedule).
 *
 * @example
 * const info = await inspectGroupInfo(ctx, uploadedGroupInfo);
 * if (info.ok) await rooms.create(info.groupId, info.epoch, info.members);
 */
export async function inspectGroupInfo(ctx: MlsContext, groupInfo: Uint8Array): Promise<GroupInfoCheck> {
  const inspected = await inspect(ctx, groupInfo);
  if (typeof inspected === 'string') return { ok: false, reason: inspected };
  const { groupContext } = inspected.info;
  return {
    ok: true,
    groupId: groupContext.groupId,
    epoch: groupContext.epoch,
    members: inspected.leaves.map(member),
  };
}

const refuse = (reason: HandshakeRejection) => ({ ok: false, reason }) as const;

/**
 * Checks a handshake message against the hub's current GroupInfo (one it accepted earlier; its credentials are
 * not re-checked): a PublicMessage proposal or commit for this group and epoch, signed by a member leaf (or, for
 * an external commit, by the joiner's new leaf) over the current group context. The membership tag is not
 * checked: it needs the epoch's membership key. A commit also needs the GroupInfo of the epoch it makes; that one
 * is inspected in full, must be signed by the committer and follow this very commit (transcript hash and
 * confirmation tag), and its member changes must match the commit's proposals by value (proposals by reference,
 * which the hub does not resolve, may each explain one further change). On success store `nextGroupInfo` as the
 * current one (compare-and-set on the epoch): a competing commit of the same epoch is then 'staleEpoch'. An
 * external join is a commit whose `sender` is also in `next.added`; room policy decides whether to accept it.
 * Throws CryptoError('usage') only when `currentGroupInfo` itself does not decode.
 *
 * @example
 * const check = await checkHandshake(ctx, room.groupInfo, commit, uploadedGroupInfo);
 * if (check.ok && check.kind === 'commit') await rooms.advance(room.id, check.next, uploadedGroupInfo);
 * else if (!check.ok && check.reason === 'staleEpoch') reply(409, 'epochTooOld');
 */
export async function checkHandshake(
  ctx: MlsContext,
  currentGroupInfo: Uint8Array,
  message: Uint8Array,
  nextGroupInfo?: Uint8Array,
): Promise<HandshakeCheck> {
  const current = parse(currentGroupInfo);
  if (typeof current === 'string')
    throw new CryptoError('usage', 'current GroupInfo unusable: pass an accepted one');
  let pm: PublicMessage;
  try {
    const decoded = decodeMessage(message);
    if (decoded.wireformat === 'mls_private_message' && decoded.privateMessage.contentType !== 'application')
      return refuse('notPublicMessage');
    if (decoded.wireformat !== 'mls_public_message') return refuse('notHandshake');
    pm = decoded.publicMessage;
  } catch (e) {
    if (e instanceof CryptoError) return refuse('malformed');
    throw e;
  }
  const { content } = pm;
  const context = current.info.groupContext;
  if (content.contentType === 'application') return refuse('notHandshake');
  if (!bytesEqual(content.groupId, context.groupId)) return refuse('wrongGroup');
  if (content.epoch !== context.epoch)
    return refuse(content.epoch < context.epoch ? 'staleEpoch' : 'futureEpoch');
  const { sender } = content;
  const committer =
    sender.senderType === 'member' ? current.leaves.find((l) => l.leaf === sender.leafIndex) : undefined;
  const external = sender.senderType === 'new_member_commit' && content.contentType === 'commit';
  const signatureKey = external ? content.commit.path?.leafNode.signaturePublicKey : committer?.signatureKey;
  if (signatureKey === undefined) return refuse('notMember');
  const signed = () =>
    verifyFramedContentSignature(
      signatureKey,
      'mls_public_message',
      content,
      pm.auth,
      context,
      ctx.suite.signature,
    );
  if (!(await holds(signed))) return refuse('badSignature');
  if (content.contentType === 'proposal') {
    if (committer === undefined) return refuse('notMember');
    return { ok: true, kind: 'proposal', epoch: content.epoch, sender: member(committer) };
  }

  if (nextGroupInfo === undefined) return refuse('badGroupInfo');
  const next = await inspect(ctx, nextGroupInfo);
  if (typeof next === 'string' || !bytesEqual(next.info.groupContext.groupId, context.groupId))
    return refuse('badGroupInfo');
  if (next.info.groupContext.epoch !== context.epoch + 1n) return refuse('epochMismatch');
  if (!(await holds(() => follows(ctx, current.info, pm, next.info)))) return refuse('badGroupInfo');
  const proposals = summarize(content.commit.proposals);
  const change = delta(current.leaves, next.leaves, proposals.removes);
  const fits =
    committer === undefined
      ? externalCommitFits(content.commit, proposals, change, next.signer)
      : next.signer.leaf === committer.leaf &&
        sameDevice(next.signer, committer) &&
        memberCommitFits(current.leaves, proposals, change);
  if (!fits) return refuse('badGroupInfo');
  return {
    ok: true,
    kind: 'commit',
    epoch: content.epoch,
    sender: member(committer ?? next.signer),
    next: {
      epoch: next.info.groupContext.epoch,
      members: next.leaves.map(member),
      added: change.added.map(member),
      removed: change.removed.map(member),
    },
  };
}
