import type { Capabilities, Credential, KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { defaultCapabilities } from 'ts-mls/defaultCapabilities.js';
import { generateKeyPackageWithKey, makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { encodeMessage } from './codec.js';
import type { MlsContext } from './context.js';
import type { SigningKeyPair } from './credentials.js';
import { guard } from './errors.js';

/** The last_resort KeyPackage extension (draft-ietf-mls-extensions): the package may be used more than once. */
export const LAST_RESORT_EXTENSION = 0x000a;
const DAY = 24 * 60 * 60;

/** What a device signs MLS messages with: its certified credential and its MLS signature key pair. */
export interface Device {
  credential: Credential;
  signatureKey: SigningKeyPair;
}

/**
 * A key package and its private keys. Publish `keyPackage`; store the whole bundle until a Welcome for it
 * arrives (a last-resort bundle stays usable after that).
 */
export interface KeyPackageBundle {
  /** The encoded MLSMessage (wire format mls_key_package). */
  keyPackage: Uint8Array;
  /** Its KeyPackageRef, the hash a Welcome names it by. */
  ref: Uint8Array;
  privateKeys: PrivateKeyPackage;
  lastResort: boolean;
}

/** ts-mls's defaults (with GREASE) restricted to basic credentials and announcing last_resort support. */
export function parleyCapabilities(): Capabilities {
  const caps = defaultCapabilities();
  return { ...caps, credentials: ['basic'], extensions: [...caps.extensions, LAST_RESORT_EXTENSION] };
}

/** Makes a signed key package for `device`, first checking that our own authentication service accepts it. */
export async function generate(
  ctx: MlsContext,
  device: Device,
  options: { lastResort?: boolean; lifetimeSeconds?: number } = {},
): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return guard(async () => {
    await ctx.config.authService.validateCredential(device.credential, device.signatureKey.publicKey);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const lifetime = { notBefore: now - 3600n, notAfter: now + BigInt(options.lifetimeSeconds ?? 60 * DAY) };
    const extensions = options.lastResort
      ? [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array() }]
      : [];
    const signatureKeyPair = {
      signKey: device.signatureKey.privateKey,
      publicKey: device.signatureKey.publicKey,
    };
    return generateKeyPackageWithKey(
      device.credential,
      parleyCapabilities(),
      lifetime,
      extensions,
      signatureKeyPair,
      ctx.suite,
    );
  });
}

/**
 * Creates a key package for a device to publish so that others can add it to groups. Its lifetime is 60 days
 * unless `lifetimeSeconds` says otherwise; `lastResort: true` marks it reusable (the one a provider hands out
 * when all one-time packages are used up).
 *
 * @example
 * const bundle = await createKeyPackage(ctx, phone, { lastResort: true });
 * await directory.publish(bundle.keyPackage); await store.save(bundle);
 */
export async function createKeyPackage(
  ctx: MlsContext,
  device: Device,
  options: { lastResort?: boolean; lifetimeSeconds?: number } = {},
): Promise<KeyPackageBundle> {
  const { publicPackage, privatePackage } = await generate(ctx, device, options);
  return {
    keyPackage: encodeMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage }),
    ref: await makeKeyPackageRef(publicPackage, ctx.suite.hash),
    privateKeys: privatePackage,
    lastResort: options.lastResort ?? false,
  };
}
