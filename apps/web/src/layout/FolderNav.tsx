// The folders: Chats, Requests (with how many wait), Settings. Links, so they work with the keyboard, open in
// history and survive a reload.
import { href, useRoute } from '../lib/route.js';
import { useAppState } from '../state/store.js';
import { Badge } from '../ui/Badge.js';

export function FolderNav() {
  const route = useRoute();
  const { requests } = useAppState();
  const here = (view: string) => (route.view === view ? 'page' : undefined);
  return (
    <nav class="folders" aria-label="Folders">
      <a href={href({ view: 'chats' })} aria-current={here('chats')}>
        Chats
      </a>
      <a href={href({ view: 'requests' })} aria-current={here('requests')}>
        Requests
        {requests.length > 0 ? <Badge count={requests.length} label={`${requests.length} waiting`} /> : null}
      </a>
      <a href={href({ view: 'settings' })} aria-current={here('settings')}>
        Settings
      </a>
    </nav>
  );
}
