// A small observable store: one state object, replaced on every change, and a hook that re-renders a component
// when it changes. Changes made in one tick are announced once.
import { useEffect, useReducer } from 'preact/hooks';
import type { AppState } from './types.js';

let state: AppState = {
  phase: 'loading',
  provider: { domain: location.hostname, name: 'Parley', accent: '#3b6ef5', logo: 'P' },
  online: true,
  rooms: {},
  histories: {},
  requests: [],
  outbox: [],
  typing: {},
  receipts: {},
  lastRead: {},
  verified: {},
};
const listeners = new Set<() => void>();
let announcing = false;

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
  state = { ...state, ...(typeof patch === 'function' ? patch(state) : patch) };
  if (announcing) return;
  announcing = true;
  queueMicrotask(() => {
    announcing = false;
    for (const listener of listeners) listener();
  });
}

/** The current state; the component re-renders whenever it changes. */
export function useAppState(): AppState {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const listener = () => rerender(0);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return state;
}

/** Shows a message at the top of the page (errors stay until dismissed or replaced). */
export function notify(kind: 'error' | 'info', text: string): void {
  const notice = { kind, text };
  setState({ notice });
  // Information goes by itself; an error stays until dismissed or replaced.
  if (kind === 'info')
    setTimeout(() => getState().notice === notice && setState({ notice: undefined }), 5000);
}
