// The signed-in layout: the sidebar (brand, folders, conversations) and the pane for the route. On a phone-width
// screen only one of them shows: the list, or the pane with a way back.
import { NewChat } from '../chats/NewChat.js';
import { NewGroup } from '../chats/NewGroup.js';
import { useRoute } from '../lib/route.js';
import { RequestsPanel } from '../requests/RequestsPanel.js';
import { RoomInfo } from '../room/RoomInfo.js';
import { RoomView } from '../room/RoomView.js';
import { SearchResults } from '../search/SearchResults.js';
import { SettingsPanel } from '../settings/SettingsPanel.js';
import { Sidebar } from './Sidebar.js';

function Pane() {
  const route = useRoute();
  switch (route.view) {
    case 'chat':
      return <RoomView key={route.room} room={route.room} />;
    case 'info':
      return <RoomInfo key={route.room} room={route.room} />;
    case 'requests':
      return <RequestsPanel />;
    case 'new':
      return <NewChat />;
    case 'group':
      return <NewGroup />;
    case 'settings':
      return <SettingsPanel />;
    case 'search':
      return <SearchResults query={route.query} />;
    default:
      return (
        <div class="empty-pane">
          <p>Pick a conversation, or start a new one.</p>
        </div>
      );
  }
}

export function Shell() {
  const route = useRoute();
  return (
    <div class="shell" data-show={route.view === 'chats' ? 'list' : 'pane'}>
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <Sidebar />
      <main class="pane" id="main" tabIndex={-1}>
        <Pane />
      </main>
    </div>
  );
}
