// Hash routes: the provider serves one page, the app shows the rest. A route is a place a person can link to,
// reload and go back from.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'chats' }
  | { view: 'chat'; room: string }
  | { view: 'info'; room: string }
  | { view: 'requests' }
  | { view: 'new' }
  | { view: 'group' }
  | { view: 'settings' }
  | { view: 'search'; query: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const room = parts[1] ?? '';
  switch (parts[0]) {
    case 'chat':
      return room
        ? parts[2] === 'info'
          ? { view: 'info', room }
          : { view: 'chat', room }
        : { view: 'chats' };
    case 'requests':
    case 'new':
    case 'group':
    case 'settings':
      return { view: parts[0] };
    case 'search':
      return { view: 'search', query: new URLSearchParams(query).get('q') ?? '' };
    default:
      return { view: 'chats' };
  }
}

export function href(route: Route): string {
  switch (route.view) {
    case 'chat':
      return `#/chat/${route.room}`;
    case 'info':
      return `#/chat/${route.room}/info`;
    case 'search':
      return `#/search?${new URLSearchParams({ q: route.query })}`;
    default:
      return `#/${route.view}`;
  }
}

export function currentRoute(): Route {
  return parseRoute(location.hash);
}

export function go(route: Route, replace = false): void {
  if (replace) history.replaceState(null, '', href(route));
  else location.hash = href(route);
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The current route; the component re-renders when it changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The room open on screen, if any. */
export function openRoom(): string | undefined {
  const r = currentRoute();
  return r.view === 'chat' || r.view === 'info' ? r.room : undefined;
}
