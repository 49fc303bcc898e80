// The device's stock of KeyPackages on its provider, and the claims of other users' packages. Private halves are
// stored (by KeyPackageRef) before the public halves are uploaded, so no package on offer lacks its keys.
import { createKeyPackage, decodeMessage, type KeyPackageBundle, readDeviceCredential } from '@parley/crypto';
import { SdkError } from '../errors.js';
import type { KeyPackageRecord } from '../store/types.js';
import { toHex } from '../util/bytes.js';
import { uriOf } from './names.js';
import type { Session } from './session.js';

export function recordOf(bundle: KeyPackageBundle): KeyPackageRecord {
  return {
    ref: toHex(bundle.ref),
    keyPackage: bundle.keyPackage,
    initPrivateKey: bundle.privateKeys.initPrivateKey,
    hpkePrivateKey: bundle.privateKeys.hpkePrivateKey,
    signaturePrivateKey: bundle.privateKeys.signaturePrivateKey,
    lastResort: bundle.lastResort,
    createdAt: Date.now(),
  };
}

export function bundleOf(record: KeyPackageRecord, ref: Uint8Array): KeyPackageBundle {
  return {
    keyPackage: record.keyPackage,
    ref,
    privateKeys: {
      initPrivateKey: record.initPrivateKey,
      hpkePrivateKey: record.hpkePrivateKey,
      signaturePrivateKey: record.signaturePrivateKey,
    },
    lastResort: record.lastResort,
  };
}

const topping = new WeakMap<Session, Promise<number>>();

/**
 * Makes sure the provider holds at least `keyPackageLow` unclaimed KeyPackages of this device (topping up to
 * `keyPackageTarget`) and a last-resort one. Concurrent calls share one run. Returns how many were uploaded.
 *
 * @example
 * await topUpKeyPackages(session); // on start, and after a Welcome used one up
 */
export function topUpKeyPackages(s: Session): Promise<number> {
  let run = topping.get(s);
  if (!run) {
    run = topUp(s).finally(() => topping.delete(s));
    topping.set(s, run);
  }
  return run;
}

async function topUp(s: Session): Promise<number> {
  const { count, lastResort } = await s.api.keyPackageCount();
  const wanted = count < s.tuning.keyPackageLow ? s.tuning.keyPackageTarget - count : 0;
  if (wanted <= 0 && lastResort) return 0;
  const bundles: KeyPackageBundle[] = [];
  for (let i = 0; i < wanted; i++) bundles.push(await createKeyPackage(s.ctx, s.device));
  const last = lastResort ? undefined : await createKeyPackage(s.ctx, s.device, { lastResort: true });
  await s.store.write({ keyPackages: [...bundles, ...(last ? [last] : [])].map(recordOf) });
  await s.api.uploadKeyPackages(
    bundles.map((b) => b.keyPackage),
    last?.keyPackage,
  );
  return bundles.length + (last ? 1 : 0);
}

/** A KeyPackage claimed for one device of a user, checked to be certified for that user and device. */
export interface Claimed {
  user: string;
  deviceId: string;
  keyPackage: Uint8Array;
}

/**
 * Claims one KeyPackage for every device of `user` (a user address), leaving out `exclude`d device ids. A package
 * whose credential names another user or device is refused: the provider cannot slip in a device of its own.
 * (That the certificate is genuine is checked by the MLS authentication service when the package is added.)
 *
 * @example
 * const bob = await claimKeyPackages(session, 'bob@b.example');
 */
export async function claimKeyPackages(s: Session, user: string, exclude: string[] = []): Promise<Claimed[]> {
  const claimed = await s.api.claimKeyPackages(user);
  const uri = uriOf(user);
  const out: Claimed[] = [];
  for (const { deviceId, keyPackage } of claimed) {
    if (exclude.includes(deviceId)) continue;
    let names: ReturnType<typeof readDeviceCredential>;
    try {
      const message = decodeMessage(keyPackage);
      names =
        message.wireformat === 'mls_key_package'
          ? readDeviceCredential(message.keyPackage.leafNode.credential)
          : undefined;
    } catch {
      names = undefined;
    }
    if (names?.userUri !== uri || names.deviceId !== deviceId) {
      throw new SdkError('badKeyPackage', `the KeyPackage handed out for ${user}/${deviceId} is not theirs`);
    }
    out.push({ user, deviceId, keyPackage });
  }
  return out;
}

/** The stored KeyPackage a Welcome is addressed to, if it is one of this device's. */
export async function bundleForWelcome(
  s: Session,
  welcome: Uint8Array,
): Promise<{ bundle: KeyPackageBundle; ref: string } | undefined> {
  const message = decodeMessage(welcome);
  if (message.wireformat !== 'mls_welcome') return undefined;
  for (const secret of message.welcome.secrets) {
    const ref = toHex(secret.newMember);
    const record = await s.store.keyPackage(ref);
    if (record) return { bundle: bundleOf(record, secret.newMember), ref };
  }
  return undefined;
}
