// The SDK's events, turned into state: rooms read again, typing shown for a few seconds, read receipts kept,
// notifications while the tab is hidden.
import { type ClientEvent, type ParleyClient, SdkError } from '@parley/sdk';
import { notifyMessage } from '../lib/notifications.js';
import { persist } from './local.js';
import { refreshRoom } from './rooms.js';
import { getState, setState } from './store.js';

const TYPING_SHOWN_MS = 6000;

function onTyping(e: Extract<ClientEvent, { type: 'typing' }>): void {
  if (e.sender === getState().me) return;
  setState((s) => {
    const room = { ...(s.typing[e.room] ?? {}) };
    if (e.typing) room[e.sender] = Date.now() + TYPING_SHOWN_MS;
    else delete room[e.sender];
    return { typing: { ...s.typing, [e.room]: room } };
  });
  // Let the indicator go when no "stopped" comes.
  setTimeout(() => setState((s) => ({ typing: { ...s.typing } })), TYPING_SHOWN_MS + 50);
}

function stopTyping(room: string, sender: string): void {
  const typing = getState().typing[room];
  if (!typing?.[sender]) return;
  setState((s) => {
    const { [sender]: _, ...rest } = s.typing[room] ?? {};
    return { typing: { ...s.typing, [room]: rest } };
  });
}

function onReceipt(e: Extract<ClientEvent, { type: 'receipt' }>): void {
  if (e.sender === getState().me || e.status !== 'read') return;
  const history = getState().histories[e.room] ?? [];
  const seqs = history.filter((m) => e.messages.includes(m.id)).map((m) => m.seq);
  if (seqs.length === 0) return;
  const seq = Math.max(...seqs);
  setState((s) => {
    const room = { ...(s.receipts[e.room] ?? {}) };
    room[e.sender] = Math.max(room[e.sender] ?? 0, seq);
    return { receipts: { ...s.receipts, [e.room]: room } };
  });
  persist('receipts');
}

/**
 * Subscribes the state to a client's events; returns the unsubscribe function. `onRemoved` runs when the provider
 * no longer accepts this device (it was removed from another one).
 */
export function listen(client: ParleyClient, onRemoved: () => void): () => void {
  return client.on('*', (e: ClientEvent) => {
    switch (e.type) {
      case 'message':
        stopTyping(e.room, e.sender);
        if (e.sender !== getState().me) notifyMessage(e.room, e.sender, e.text, e.attachment !== undefined);
        refreshRoom(e.room);
        setState({ online: true });
        return;
      case 'reaction':
      case 'edit':
      case 'delete':
      case 'membership':
      case 'joined':
      case 'roomUpdated':
        refreshRoom(e.room);
        return;
      case 'typing':
        onTyping(e);
        return;
      case 'receipt':
        onReceipt(e);
        return;
      case 'error':
        if (e.error instanceof SdkError && e.error.code === 'unauthenticated') onRemoved();
        else console.warn('parley:', e.error.message);
        return;
    }
  });
}
