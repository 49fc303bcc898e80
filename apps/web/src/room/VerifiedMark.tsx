// "Verified": shown beside a person whose safety number this user compared and marked.
import { useAppState } from '../state/store.js';

export function VerifiedMark({ user }: { user: string }) {
  const { verified } = useAppState();
  if (!verified[user]) return null;
  return (
    <span class="verified" title={`You verified ${user}'s safety number`}>
      ✓ Verified
    </span>
  );
}
