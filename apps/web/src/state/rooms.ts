// Keeps the state's rooms and histories in step with the SDK's store: a room is read again after anything
// happened in it. Reads for the same room within one tick are merged.
import { device } from './client.js';
import { markVisibleRoomRead } from './reading.js';
import { getState, setState } from './store.js';

const due = new Set<string>();
let scheduled = false;

/** Reads one room (record and history) from the store into the state, soon. */
export function refreshRoom(room: string): void {
  due.add(room);
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    const rooms = [...due];
    due.clear();
    void readRooms(rooms);
  }, 30);
}

async function readRooms(ids: string[]): Promise<void> {
  const { client } = device();
  const read = await Promise.all(
    ids.map(async (id) => ({ id, record: await client.room(id), history: await client.history(id) })),
  );
  setState((s) => {
    const rooms = { ...s.rooms };
    const histories = { ...s.histories };
    for (const { id, record, history } of read) {
      if (!record) continue;
      rooms[id] = record;
      histories[id] = history;
    }
    return { rooms, histories };
  });
  markVisibleRoomRead();
}

/** Reads every room the device knows. */
export async function refreshAllRooms(): Promise<void> {
  const { client } = device();
  const records = await client.rooms();
  await readRooms(records.map((r) => r.id));
}

/** The room's title: its name, or for a direct chat the other person's address. */
export function roomTitle(id: string): string {
  const s = getState();
  const record = s.rooms[id];
  if (!record) return 'Conversation';
  if (record.name) return record.name;
  const others = record.members.filter((m) => m !== s.me);
  if (record.kind === 'direct') return others[0] ?? 'Direct chat';
  return others.length > 0 ? others.join(', ') : 'Group';
}
