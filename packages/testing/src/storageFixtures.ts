/** Small verbs the storage suites are written in: a user with a device, a room, a message. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { NewDevice, Storage } from '@parley/server';

let counter = 0;
export const uid = (prefix: string) =>
  `${prefix}${(counter++).toString(36)}${randomBytes(4).toString('hex')}`;

export function device(name = 'phone'): NewDevice {
  const id = uid('dev');
  return { id, name, tokenHash: `hash-${id}`, createdAt: Date.now() };
}

export async function user(storage: Storage, handle = uid('user')) {
  const first = device();
  const result = await storage.accounts.register(
    { handle, passwordHash: 'scrypt$x', createdAt: Date.now() },
    first,
  );
  assert.deepEqual(result, { ok: true });
  return { handle, device: first };
}

export async function room(
  storage: Storage,
  creator: string,
  members: string[],
  kind: 'direct' | 'group' = 'group',
) {
  const id = uid('room');
  const result = await storage.rooms.createRoom({ id, kind, creator, createdAt: Date.now() }, members);
  assert.equal(result.ok, true);
  return id;
}

export async function send(
  storage: Storage,
  roomId: string,
  sender: { handle: string; device: NewDevice },
  text: string,
) {
  const result = await storage.rooms.append({
    room: roomId,
    sender: sender.handle,
    device: sender.device.id,
    payload: new TextEncoder().encode(text),
    ts: Date.now(),
  });
  assert.equal(result.ok, true);
  return result.ok ? result.message.seq : -1;
}
