// The conversation list, derived from the state: each room's last message, unread count and time, newest first.
import { roomTitle } from './rooms.js';
import type { AppState, RoomSummary } from './types.js';

export function preview(text: string, file: string | undefined): string {
  const plain = text
    .replace(/[*_~`>#[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain) return plain.length > 80 ? `${plain.slice(0, 79)}…` : plain;
  return file === undefined ? '' : /^image\//.test(file) ? 'Photo' : 'File';
}

export function summaries(s: AppState): RoomSummary[] {
  // A direct room whose other person could never be added (a mistyped handle) holds nothing: it is not shown.
  const rooms = Object.values(s.rooms).filter(
    (r) => !(r.kind === 'direct' && r.members.length < 2 && (s.histories[r.id] ?? []).length === 0),
  );
  const list: RoomSummary[] = rooms.map((record) => {
    const history = s.histories[record.id] ?? [];
    const visible = history.filter((m) => !m.deleted);
    const last = visible[visible.length - 1];
    const read = s.lastRead[record.id] ?? 0;
    const unread = visible.filter((m) => m.sender !== s.me && m.seq > read).length;
    return {
      id: record.id,
      kind: record.kind,
      title: roomTitle(record.id),
      members: record.members,
      active: record.active,
      ...(last
        ? {
            last: {
              text: preview(last.text, last.attachment?.contentType),
              sender: last.sender,
              ts: last.ts,
            },
          }
        : {}),
      unread,
      // A new conversation without messages yet comes first: it was just started.
      lastTs: last?.ts ?? Number.MAX_SAFE_INTEGER,
    };
  });
  return list.sort((a, b) => b.lastTs - a.lastTs || a.title.localeCompare(b.title));
}
