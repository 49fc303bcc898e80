// Search in this device's history (nothing is asked of the provider, which could not read it anyway).
import { useState } from 'preact/hooks';
import { go, useRoute } from '../lib/route.js';

export function SearchBox() {
  const route = useRoute();
  const [query, setQuery] = useState(route.view === 'search' ? route.query : '');
  return (
    <search class="search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) go({ view: 'search', query: query.trim() });
        }}
      >
        <input
          type="search"
          aria-label="Search messages"
          placeholder="Search messages"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </form>
    </search>
  );
}
