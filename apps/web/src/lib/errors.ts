// Errors in words a person understands. SDK errors carry the provider's stable code; the rest is a bug or a
// browser failure, shown with a generic sentence (and logged for the curious).
import { isTransient, SdkError } from '@parley/sdk';
import { getState } from '../state/store.js';
import { formatSize } from './attachments.js';

const MESSAGES: Record<string, (e: SdkError) => string> = {
  badCredentials: () => 'Wrong handle or password.',
  unauthenticated: () => 'You were signed out on the server. Sign in again.',
  handleTaken: () => 'That handle is taken here. Try another one.',
  handleTooShort: (e) => cleaned(e),
  handleTooLong: (e) => cleaned(e),
  handleInvalidCharacters: () => 'A handle may use lowercase letters, digits, dots, dashes and underscores.',
  handleReserved: () => 'That handle is reserved. Try another one.',
  passwordTooShort: (e) => cleaned(e),
  passwordTooLong: (e) => cleaned(e),
  noSuchUser: () => 'There is no such user. Check the handle, e.g. bob@b.localhost.',
  notFound: () => 'There is no such user or provider. Check the handle, e.g. bob@b.localhost.',
  unknownPeer: () => 'That provider is not known here. Check the part after the @.',
  noKeyPackages: () => 'That person has no device that can receive messages yet.',
  peerUnavailable: () => 'The other provider is not answering right now. Try again in a while.',
  payloadTooLarge: () => tooLarge(),
  tooManyRequests: () => 'Too many attempts. Wait a minute and try again.',
  identityKeyRequired: () =>
    'This account already has an identity key. Paste it from a device that is signed in (Settings → Identity key).',
  notYours: () => 'You can only change your own messages.',
  notInRoom: () => 'You are no longer in this conversation.',
  badAttachment: () => 'The file could not be opened: it does not match what was sent.',
  commitConflict: () => 'Others changed the conversation at the same time. Try again.',
};

/** The file-size message, with the provider's limit when it tells it. */
export function tooLarge(name?: string): string {
  const { provider } = getState();
  const limit = provider.maxAttachmentBytes;
  const what = name ? `“${name}” is` : 'That file is';
  return limit
    ? `${what} too large to send: ${provider.name} accepts files up to ${formatSize(limit)}.`
    : `${what} too large to send: ${provider.name} does not accept files this big.`;
}

function cleaned(e: SdkError): string {
  // SDK messages start with the request ("POST /v1/accounts: …"); people need only the provider's sentence.
  return e.message.replace(/^[A-Z]+ \S+: /, '');
}

/**
 * A sentence for an error, for the page.
 *
 * @example
 * catch (e) { notify('error', explain(e)); }
 */
export function explain(error: unknown): string {
  if (error instanceof SdkError) {
    if (isTransient(error))
      return `${getState().provider.name} cannot be reached right now. Check your connection.`;
    const known = MESSAGES[error.code];
    if (known) return known(error);
    return cleaned(error);
  }
  console.error(error);
  return 'Something went wrong. Try again.';
}
