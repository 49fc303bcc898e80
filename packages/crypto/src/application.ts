import { createApplicationMessage } from 'ts-mls/createMessage.js';
import { decodeMessage, encodeMessage } from './codec.js';
import type { MlsContext } from './context.js';
import { CryptoError, guard } from './errors.js';
import { receivePrivate } from './receive.js';
import type { GroupState, Member } from './state.js';

/**
 * Encrypts application data for the group as an MLS PrivateMessage in the current epoch. `authenticatedData`
 * travels in the clear but is authenticated. Fails with 'usage' while proposals are pending (commit first).
 *
 * @example
 * const { state: next, message, wipe } = await encryptApplication(ctx, state, utf8('hi'));
 */
export async function encryptApplication(
  ctx: MlsContext,
  state: GroupState,
  plaintext: Uint8Array,
  options: { authenticatedData?: Uint8Array } = {},
): Promise<{ state: GroupState; message: Uint8Array; wipe: Uint8Array[] }> {
  const result = await guard(() =>
    createApplicationMessage(state, plaintext, ctx.suite, options.authenticatedData),
  );
  const message = encodeMessage({
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: result.privateMessage,
  });
  return { state: result.newState, message, wipe: result.consumed };
}

/**
 * Decrypts an application message and names its authenticated sender. Anything else (a commit, a proposal,
 * garbage) is refused with a CryptoError before the state is touched; use `processMessage` for those.
 *
 * @example
 * const { state: next, plaintext, sender } = await decryptApplication(ctx, state, bytes);
 */
export async function decryptApplication(
  ctx: MlsContext,
  state: GroupState,
  bytes: Uint8Array,
): Promise<{
  state: GroupState;
  plaintext: Uint8Array;
  sender: Member;
  authenticatedData: Uint8Array;
  wipe: Uint8Array[];
}> {
  const message = decodeMessage(bytes);
  if (message.wireformat !== 'mls_private_message' || message.privateMessage.contentType !== 'application') {
    throw new CryptoError('unexpectedMessage', 'not an application message');
  }
  const got = await receivePrivate(ctx, state, message.privateMessage);
  if (got.kind !== 'application')
    throw new CryptoError('internal', 'application message processed as handshake');
  const { kind: _, ...rest } = got;
  return rest;
}
