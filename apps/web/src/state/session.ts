// Signing up, in and out, and staying online: the client starts once signed in and, when the provider cannot be
// reached, keeps trying in the background while the page shows what the device already has.
import { isTransient } from '@parley/sdk';
import { clearAll, forget, load, save } from './appDb.js';
import { device, eraseDevice, openDevice } from './client.js';
import { listen } from './events.js';
import { loadLocal } from './local.js';
import { flushOutbox } from './outbox.js';
import { pollRequests } from './requests.js';
import { refreshAllRooms } from './rooms.js';
import { getState, notify, setState } from './store.js';
import { acquireTabLock, tabLockWithin } from './tabLock.js';
import type { ProviderInfo } from './types.js';

let retryTimer: ReturnType<typeof setTimeout> | undefined;
let stopListening: (() => void) | undefined;

async function providerInfo(): Promise<ProviderInfo> {
  const fallback = { domain: location.hostname, name: 'Parley', accent: '#3b6ef5', logo: 'P' };
  try {
    const response = await fetch('/v1/provider');
    return response.ok ? { ...fallback, ...((await response.json()) as Partial<ProviderInfo>) } : fallback;
  } catch {
    return fallback;
  }
}

/** Loads the provider's branding and the device kept in this browser, if any. */
export async function boot(): Promise<ProviderInfo> {
  const provider = await providerInfo();
  setState({ provider });
  if (!(await tabLockWithin(3000))) {
    setState({ phase: 'elsewhere' });
    await acquireTabLock();
    setState({ phase: 'loading' });
  }
  const { client } = await openDevice();
  if (await client.resume()) await enter();
  else setState({ phase: 'signedOut' });
  return provider;
}

async function enter(): Promise<void> {
  const { client } = device();
  setState({ phase: 'ready', me: client.user, deviceId: client.deviceId });
  await loadLocal();
  await refreshAllRooms();
  stopListening = listen(client, () => void removedElsewhere());
  void goOnline(0);
}

async function goOnline(attempt: number): Promise<void> {
  const { client } = device();
  try {
    await client.start();
    setState({ online: true });
    await refreshAllRooms();
    pollRequests();
    flushOutbox();
  } catch (error) {
    setState({ online: false });
    if (!isTransient(error)) console.warn('start failed', error);
    // Back off up to half a minute; the page keeps working on what it has.
    retryTimer = setTimeout(() => void goOnline(attempt + 1), Math.min(30_000, 1000 * 2 ** attempt));
  }
}

/** The provider no longer knows this device (removed from another one): sign out here too. */
async function removedElsewhere(): Promise<void> {
  if (getState().phase !== 'ready') return;
  await signOut(false);
  notify('error', 'This browser was removed from your account. Sign in again to use it.');
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrom/.test(ua)
        ? 'Chrome'
        : 'Safari';
  const system = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac/.test(ua)
        ? 'macOS'
        : /Win/.test(ua)
          ? 'Windows'
          : 'Linux';
  return `${browser} on ${system}`;
}

/** Creates an account on this provider, with this browser as its first device. */
export async function register(handle: string, password: string): Promise<void> {
  const { client } = device();
  await client.register({ server: location.origin, handle, password, deviceName: deviceName() });
  await save(`keyring:${client.user}`, client.exportIdentityKey());
  await enter();
}

/**
 * Signs this browser in as a new device of an existing account. The identity key comes from the field, or from
 * this browser's keyring when the person signed out here before.
 */
export async function signIn(handle: string, password: string, identityKey?: string): Promise<void> {
  const { client } = device();
  const user = handle.includes('@') ? handle : `${handle}@${location.hostname}`;
  const key = identityKey?.trim() || (await load<string>(`keyring:${user}`));
  await client.login({
    server: location.origin,
    handle: handle.split('@')[0]!,
    password,
    deviceName: deviceName(),
    ...(key ? { identityKey: key } : {}),
  });
  await save(`keyring:${client.user}`, client.exportIdentityKey());
  await enter();
}

/**
 * Signs out: this device is removed from the account (best effort), and its keys and history are deleted from
 * the browser. The identity key stays in this browser's keyring unless `forgetKey`.
 */
export async function signOut(forgetKey: boolean): Promise<void> {
  const { client, store } = device();
  const account = await store.account();
  clearTimeout(retryTimer);
  stopListening?.();
  await client.close().catch(() => {});
  if (account) {
    await fetch(`/v1/devices/${encodeURIComponent(account.deviceId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${account.token}` },
    }).catch(() => {});
    if (forgetKey) await forget(`keyring:${account.user}`);
  }
  const keyring = forgetKey ? undefined : account && (await load<string>(`keyring:${account.user}`));
  await clearAll();
  if (account && keyring) await save(`keyring:${account.user}`, keyring);
  await eraseDevice();
  await openDevice();
  setState({
    phase: 'signedOut',
    me: undefined,
    deviceId: undefined,
    rooms: {},
    histories: {},
    requests: [],
    outbox: [],
    typing: {},
    receipts: {},
    lastRead: {},
    verified: {},
  });
  notify('info', 'You are signed out. This browser no longer keeps your messages.');
}
