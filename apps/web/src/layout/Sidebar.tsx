// The sidebar: who and where I am, the folders, the buttons to start something, search, and the conversations.
import { ConversationList } from '../chats/ConversationList.js';
import { go } from '../lib/route.js';
import { SearchBox } from '../search/SearchBox.js';
import { BrandHeader } from './BrandHeader.js';
import { FolderNav } from './FolderNav.js';

export function Sidebar() {
  return (
    <aside class="sidebar" aria-label="Conversations and folders">
      <BrandHeader />
      <FolderNav />
      <div class="sidebar-actions">
        <button type="button" class="primary" onClick={() => go({ view: 'new' })}>
          New chat
        </button>
        <button type="button" onClick={() => go({ view: 'group' })}>
          New group
        </button>
      </div>
      <SearchBox />
      <ConversationList />
    </aside>
  );
}
