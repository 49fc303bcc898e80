// Read state: when the open room shows messages from others and the tab is visible, they count as read — the
// unread badge goes and the others get a read receipt for the latest one.
import { openRoom } from '../lib/route.js';
import { device } from './client.js';
import { persist } from './local.js';
import { getState, setState } from './store.js';

export function markVisibleRoomRead(): void {
  const room = openRoom();
  if (!room || document.visibilityState !== 'visible') return;
  const s = getState();
  const others = (s.histories[room] ?? []).filter((m) => m.sender !== s.me && m.seq > 0 && !m.deleted);
  const latest = others[others.length - 1];
  if (!latest || latest.seq <= (s.lastRead[room] ?? 0)) return;
  setState((x) => ({ lastRead: { ...x.lastRead, [room]: latest.seq } }));
  persist('lastRead');
  if (s.rooms[room]?.active)
    device()
      .client.markRead(room, [latest.id])
      .catch(() => {}); // a receipt that cannot go now is not worth a retry
}
