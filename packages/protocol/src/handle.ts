/**
 * Handles and addresses: `alice` is a handle on one provider, `alice@a.example` the address a person types,
 * `mimi://a.example/u/alice` the URI the protocol carries.
 */

export const HANDLE_MIN = 3;
export const HANDLE_MAX = 32;

const HANDLE_RE = /^[a-z0-9._-]+$/;

/** Names no one may register: they impersonate the operator or collide with routes and roles. */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'root',
  'system',
  'support',
  'help',
  'security',
  'abuse',
  'postmaster',
  'hostmaster',
  'webmaster',
  'noreply',
  'no-reply',
  'parley',
  'provider',
  'server',
  'api',
  'www',
  'mail',
  'info',
  'staff',
  'moderator',
  'official',
  'everyone',
  'all',
  'here',
  'null',
  'undefined',
  'anonymous',
]);

export type HandleProblem = 'handleTooShort' | 'handleTooLong' | 'handleInvalidCharacters' | 'handleReserved';

export type HandleCheck = { ok: true; handle: string } | { ok: false; code: HandleProblem; message: string };

/**
 * Checks a handle against the rules: lowercase `a-z0-9._-`, 3–32 characters, starting and ending with a letter
 * or digit, and not reserved.
 *
 * @example
 * checkHandle('alice'); // { ok: true, handle: 'alice' }
 * checkHandle('Al');    // { ok: false, code: 'handleTooShort', ... }
 */
export function checkHandle(handle: string): HandleCheck {
  if (handle.length < HANDLE_MIN) {
    return { ok: false, code: 'handleTooShort', message: `A handle has at least ${HANDLE_MIN} characters.` };
  }
  if (handle.length > HANDLE_MAX) {
    return { ok: false, code: 'handleTooLong', message: `A handle has at most ${HANDLE_MAX} characters.` };
  }
  if (!HANDLE_RE.test(handle) || !/^[a-z0-9]/.test(handle) || !/[a-z0-9]$/.test(handle)) {
    return {
      ok: false,
      code: 'handleInvalidCharacters',
      message:
        'A handle uses only lowercase letters a-z, digits, dot, underscore and hyphen, and starts and ends with a letter or digit.',
    };
  }
  if (RESERVED_HANDLES.has(handle)) {
    return { ok: false, code: 'handleReserved', message: `The handle "${handle}" is reserved.` };
  }
  return { ok: true, handle };
}

/** A user's address as people write it. */
export interface Address {
  handle: string;
  domain: string;
}

/**
 * Parses `alice@a.example` (or a bare `alice`, which then belongs to `defaultDomain`).
 * Returns undefined when the text is not an address.
 *
 * @example
 * parseAddress('bob@b.localhost'); // { handle: 'bob', domain: 'b.localhost' }
 * parseAddress('bob', 'a.localhost'); // { handle: 'bob', domain: 'a.localhost' }
 */
export function parseAddress(text: string, defaultDomain?: string): Address | undefined {
  const at = text.indexOf('@');
  if (at === -1) {
    return defaultDomain && text.length > 0 ? { handle: text, domain: defaultDomain } : undefined;
  }
  const handle = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (handle.length === 0 || !isDomain(domain)) return undefined;
  return { handle, domain };
}

/** `alice@a.example`. */
export function formatAddress(address: Address): string {
  return `${address.handle}@${address.domain}`;
}

/** `mimi://a.example/u/alice`, the protocol's name for a user. */
export function userUri(address: Address): string {
  return `mimi://${address.domain}/u/${address.handle}`;
}

/** `mimi://a.example/r/ROOM`, the protocol's name for a room hosted (hubbed) by that provider. */
export function roomUri(domain: string, roomId: string): string {
  return `mimi://${domain}/r/${roomId}`;
}

const DOMAIN_RE =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$/;

/** Lowercase DNS name, optionally with a port (development providers). */
export function isDomain(text: string): boolean {
  return DOMAIN_RE.test(text);
}
