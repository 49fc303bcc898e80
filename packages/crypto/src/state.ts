import type { ClientState, RatchetTree } from 'ts-mls';
import { decodeGroupState, encodeGroupState } from 'ts-mls/clientState.js';
import { mlsExporter } from 'ts-mls/keySchedule.js';
import type { MlsContext } from './context.js';
import { readDeviceCredential } from './credentials.js';
import { CryptoError, guard } from './errors.js';

/** One device's view of one MLS group. Immutable: every operation returns a new one. */
export type GroupState = ClientState;

/** A group member: a device, by its leaf. Names are empty only for non-Parley credentials (conformance runs). */
export interface Member {
  leafIndex: number;
  userUri: string;
  deviceId: string;
  signaturePublicKey: Uint8Array;
}

/** The member at one leaf, reading only that leaf's credential. */
export function memberOf(tree: RatchetTree, leafIndex: number): Member | undefined {
  const n = tree[leafIndex * 2];
  if (n?.nodeType !== 'leaf') return undefined;
  const name = readDeviceCredential(n.leaf.credential);
  return {
    leafIndex,
    userUri: name?.userUri ?? '',
    deviceId: name?.deviceId ?? '',
    signaturePublicKey: n.leaf.signaturePublicKey,
  };
}

/** The members of a ratchet tree, in leaf order. */
export function membersOf(tree: RatchetTree): Member[] {
  const out: Member[] = [];
  for (let node = 0; node < tree.length; node += 2) {
    const member = memberOf(tree, node / 2);
    if (member) out.push(member);
  }
  return out;
}

/**
 * Lists the group's current members (devices), in leaf order.
 *
 * @example
 * const bobDevices = members(state).filter((m) => m.userUri === 'mimi://b.example/u/bob');
 */
export function members(state: GroupState): Member[] {
  return membersOf(state.ratchetTree);
}

/**
 * The leaf index of this device in the group (its position in the ratchet tree).
 *
 * @example
 * const me = members(state).find((m) => m.leafIndex === ownLeafIndex(state));
 */
export function ownLeafIndex(state: GroupState): number {
  return state.privatePath.leafIndex;
}

/**
 * The group's current epoch: 0 at creation, one more after every commit.
 *
 * @example
 * if (epochOf(state) > lastSeenEpoch) refreshMemberList();
 */
export function epochOf(state: GroupState): bigint {
  return state.groupContext.epoch;
}

/**
 * The group id, as chosen (or randomly drawn) at `createGroup`.
 *
 * @example
 * const key = Buffer.from(groupIdOf(state)).toString('base64url');
 */
export function groupIdOf(state: GroupState): Uint8Array {
  return state.groupContext.groupId;
}

/**
 * The epoch authenticator (RFC 9420 §8.7): equal on every member in the same epoch, so two users can compare
 * it out of band (a safety number) to detect a split view of the group.
 *
 * @example
 * const safetyNumber = Buffer.from(epochAuthenticator(state)).toString('hex').slice(0, 12);
 */
export function epochAuthenticator(state: GroupState): Uint8Array {
  return state.keySchedule.epochAuthenticator;
}

/**
 * False once this device was removed (or the group awaits re-initialisation): it can no longer send.
 *
 * @example
 * if (got.kind === 'commit' && !isActive(got.state)) archiveConversation();
 */
export function isActive(state: GroupState): boolean {
  return state.groupActiveState.kind === 'active';
}

/**
 * Derives a secret from the current epoch with the MLS exporter (RFC 9420 §8.5), e.g. to key attachments or a
 * call. Every member in the same epoch derives the same value.
 *
 * @example
 * const key = await exportSecret(ctx, state, 'parley attachment', fileId, 16);
 */
export function exportSecret(
  ctx: MlsContext,
  state: GroupState,
  label: string,
  context: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  return guard(() => mlsExporter(state.keySchedule.exporterSecret, label, context, length, ctx.suite));
}

/**
 * Serialises a group state for the app's store. The bytes hold private keys: store them encrypted at rest.
 *
 * @example
 * await store.put(groupKey, encodeState(state));
 */
export function encodeState(state: GroupState): Uint8Array {
  return encodeGroupState(state);
}

/**
 * Restores a group state stored with `encodeState`, binding it to this context's authentication service.
 *
 * @example
 * const state = decodeState(ctx, await store.get(groupKey));
 */
export function decodeState(ctx: MlsContext, bytes: Uint8Array): GroupState {
  let decoded: ReturnType<typeof decodeGroupState>;
  try {
    decoded = decodeGroupState(bytes, 0);
  } catch (e) {
    throw new CryptoError('malformed', 'stored group state does not decode', { cause: e });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new CryptoError('malformed', 'stored group state does not decode');
  }
  return { ...decoded[0], clientConfig: ctx.config };
}

/**
 * A new group state plus the secrets the old one no longer needs. Zero every `wipe` array (`.fill(0)`) once
 * the new state is stored and the old one will not be used again; for a commit you made, that is after the
 * delivery service accepted the commit.
 */
export interface Outcome {
  state: GroupState;
  wipe: Uint8Array[];
}

/** A commit to send to the group (an MLS PublicMessage) and, when members were added, their Welcome. */
export interface CommitOutcome extends Outcome {
  commit: Uint8Array;
  welcome: Uint8Array | undefined;
}

/** A proposal to send to the group (an MLS PublicMessage); a later commit by any member applies it. */
export interface ProposalOutcome extends Outcome {
  proposal: Uint8Array;
}
