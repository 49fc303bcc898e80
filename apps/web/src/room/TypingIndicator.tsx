// Who is typing in the room right now (announced politely to screen readers).
import { useAppState } from '../state/store.js';

export function TypingIndicator({ room }: { room: string }) {
  const { typing } = useAppState();
  const now = Date.now();
  const who = Object.entries(typing[room] ?? {})
    .filter(([, until]) => until > now)
    .map(([user]) => user);
  const text =
    who.length === 0 ? '' : who.length === 1 ? `${who[0]} is typing…` : `${who.join(', ')} are typing…`;
  return (
    <p class="typing muted small" aria-live="polite">
      {text}
    </p>
  );
}
