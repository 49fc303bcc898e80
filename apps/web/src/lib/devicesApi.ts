// The account's devices (`GET /v1/devices`, `PATCH` and `DELETE /v1/devices/:id`), called with this device's
// token. The SDK takes a removed device out of the rooms by itself (its device check).
import type { DeviceView } from '@parley/protocol';
import { SdkError } from '@parley/sdk';
import { device } from '../state/client.js';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const account = await device().store.account();
  if (!account) throw new SdkError('notSignedIn', 'not signed in');
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${account.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new SdkError('network', `${method} ${path}: no answer`, undefined, { cause });
  }
  const parsed = (await response.json().catch(() => undefined)) as
    | (T & { error?: { code: string; message: string } })
    | undefined;
  if (!response.ok)
    throw new SdkError(
      parsed?.error?.code ?? 'badResponse',
      parsed?.error?.message ?? `HTTP ${response.status}`,
      response.status,
    );
  return parsed as T;
}

export async function listDevices(): Promise<DeviceView[]> {
  return (await call<{ devices: DeviceView[] }>('GET', '/v1/devices')).devices;
}

export async function renameDevice(id: string, name: string): Promise<void> {
  await call('PATCH', `/v1/devices/${encodeURIComponent(id)}`, { name });
}

export async function removeDevice(id: string): Promise<void> {
  await call('DELETE', `/v1/devices/${encodeURIComponent(id)}`);
}
