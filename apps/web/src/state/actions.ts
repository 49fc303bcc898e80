// What a person does in a conversation, beyond sending (outbox.ts): start chats and groups, react, edit, delete,
// and manage a group's name and members. Each reads the room again afterwards; errors go to the caller.
import { device } from './client.js';
import { refreshRoom } from './rooms.js';
import { getState } from './store.js';

/** `bob` on this provider, or `bob@b.example` as typed; lowercased, spaces trimmed. */
export function normalizeHandle(input: string): string {
  const handle = input.trim().toLowerCase().replace(/^@/, '');
  return handle.includes('@') ? handle : `${handle}@${getState().provider.domain}`;
}

/** Opens the direct chat with a user, creating it when there is none yet; resolves with the room id. */
export async function startChat(input: string): Promise<string> {
  const user = normalizeHandle(input);
  const s = getState();
  if (user === s.me) throw new Error('You cannot start a chat with yourself.');
  const existing = Object.values(s.rooms).find(
    (r) => r.kind === 'direct' && r.active && r.members.includes(user),
  );
  if (existing) return existing.id;
  const room = await device().client.createRoom({ kind: 'direct', members: [user] });
  refreshRoom(room.id);
  return room.id;
}

export async function createGroup(name: string, members: string[]): Promise<string> {
  const room = await device().client.createRoom({
    kind: 'group',
    members: members.map(normalizeHandle),
    ...(name.trim() ? { name: name.trim() } : {}),
  });
  refreshRoom(room.id);
  return room.id;
}

async function inRoom(room: string, work: () => Promise<unknown>): Promise<void> {
  await work();
  refreshRoom(room);
}

export const react = (room: string, message: string, emoji: string) =>
  inRoom(room, () => device().client.react(message, emoji));
export const unreact = (room: string, reaction: string) =>
  inRoom(room, () => device().client.unreact(reaction));
export const editMessage = (room: string, message: string, text: string) =>
  inRoom(room, () => device().client.edit(message, text));
export const deleteMessage = (room: string, message: string) =>
  inRoom(room, () => device().client.delete(message));
export const renameRoom = (room: string, name: string) =>
  inRoom(room, () => device().client.rename(room, name.trim()));
export const addMembers = (room: string, users: string[]) =>
  inRoom(room, () => device().client.addMembers(room, users.map(normalizeHandle)));
export const removeMember = (room: string, user: string) =>
  inRoom(room, () => device().client.removeMembers(room, [user]));
export const leaveRoom = (room: string) => inRoom(room, () => device().client.leave(room));

let typingSent = 0;
/** Tells the room this person is typing, at most every three seconds; `false` when they stop or send. */
export function typing(room: string, active: boolean): void {
  const now = Date.now();
  if (active && now - typingSent < 3000) return;
  typingSent = active ? now : 0;
  device()
    .client.setTyping(room, active)
    .catch(() => {});
}
