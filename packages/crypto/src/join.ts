import { joinGroup } from 'ts-mls/clientState.js';
import { createGroupInfoWithExternalPubAndRatchetTree, joinGroupExternal } from 'ts-mls/createCommit.js';
import { decodeGroupInfo, decodeKeyPackage, decodeTree, decodeWelcome, encodeMessage } from './codec.js';
import type { ExternalPsk, MlsContext } from './context.js';
import { guard } from './errors.js';
import { type Device, generate, type KeyPackageBundle } from './keyPackage.js';
import { pskIndex } from './psk.js';
import type { CommitOutcome, GroupState, Outcome } from './state.js';

/**
 * Joins a group from a Welcome addressed to one of this device's key packages. The ratchet tree comes from
 * the Welcome (Parley always includes it) or from `ratchetTree`. Every member's credential is checked by our
 * authentication service before the state is returned. Wipe the key package's init key afterwards (it is in
 * `wipe` unless the package is last-resort).
 *
 * @example
 * const { state, wipe } = await joinFromWelcome(ctx, { welcome, keyPackage: bundle });
 */
export async function joinFromWelcome(
  ctx: MlsContext,
  input: {
    welcome: Uint8Array;
    keyPackage: KeyPackageBundle;
    ratchetTree?: Uint8Array;
    psks?: ExternalPsk[];
  },
): Promise<Outcome> {
  const welcome = decodeWelcome(input.welcome);
  const keyPackage = decodeKeyPackage(input.keyPackage.keyPackage);
  const tree = input.ratchetTree === undefined ? undefined : decodeTree(input.ratchetTree);
  const psks = pskIndex(undefined, input.psks);
  const state = await guard(() =>
    joinGroup(
      welcome,
      keyPackage,
      input.keyPackage.privateKeys,
      psks,
      ctx.suite,
      tree,
      undefined,
      ctx.config,
    ),
  );
  return { state, wipe: input.keyPackage.lastResort ? [] : [input.keyPackage.privateKeys.initPrivateKey] };
}

/**
 * Exports a GroupInfo (with the ratchet tree and the external public key) through which a device can join by
 * external commit, e.g. a user's new device re-joining their groups. It is signed by this member.
 *
 * @example
 * await ds.putGroupInfo(groupId, await exportGroupInfo(ctx, state));
 */
export async function exportGroupInfo(ctx: MlsContext, state: GroupState): Promise<Uint8Array> {
  const groupInfo = await guard(() => createGroupInfoWithExternalPubAndRatchetTree(state, [], ctx.suite));
  return encodeMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
}

/**
 * Joins a group by external commit from its GroupInfo. With `resync: true` the device's old leaf (same
 * signature key) is removed in the same commit. Send `commit` to the group; there is no Welcome.
 *
 * @example
 * const { state, commit } = await joinExternal(ctx, { groupInfo, device: laptop });
 */
export async function joinExternal(
  ctx: MlsContext,
  input: { groupInfo: Uint8Array; device: Device; resync?: boolean },
): Promise<CommitOutcome> {
  const groupInfo = decodeGroupInfo(input.groupInfo);
  const { publicPackage, privatePackage } = await generate(ctx, input.device);
  const result = await guard(() =>
    joinGroupExternal(
      groupInfo,
      publicPackage,
      privatePackage,
      input.resync ?? false,
      ctx.suite,
      undefined,
      ctx.config,
    ),
  );
  const commit = encodeMessage({
    version: 'mls10',
    wireformat: 'mls_public_message',
    publicMessage: result.publicMessage,
  });
  return { state: result.newState, commit, welcome: undefined, wipe: [privatePackage.initPrivateKey] };
}
