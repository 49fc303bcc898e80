// The Requests folder: first contacts from other providers' users, held back by this user's provider until
// answered. The provider pushes no event for them, so the list is fetched every few seconds while signed in.
import { device } from './client.js';
import { refreshAllRooms } from './rooms.js';
import { getState, setState } from './store.js';

const EVERY_MS = 4000;
let timer: ReturnType<typeof setTimeout> | undefined;

export async function loadRequests(): Promise<void> {
  const requests = await device().client.requests();
  setState({ requests });
}

/** Fetches the requests now and then every few seconds, while signed in. */
export function pollRequests(): void {
  clearTimeout(timer);
  const tick = () => {
    if (getState().phase !== 'ready') return;
    loadRequests()
      .catch(() => {})
      .finally(() => {
        timer = setTimeout(tick, EVERY_MS);
      });
  };
  tick();
}

/** Accepts, declines or blocks a user's request. An accepted user's rooms arrive through the stream. */
export async function answer(kind: 'accept' | 'decline' | 'block', user: string): Promise<void> {
  const { client } = device();
  await client[kind](user);
  setState((s) => ({ requests: s.requests.filter((r) => r.from !== user) }));
  if (kind === 'accept') {
    // The rooms come with the stream; a sync makes sure they are there when the person looks.
    await client.sync().catch(() => {});
    await refreshAllRooms();
  }
}
