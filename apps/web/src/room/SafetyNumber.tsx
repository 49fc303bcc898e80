// A contact's safety number, to compare with theirs out of band, and the "verified" mark this user sets once the
// numbers match.
import { useEffect, useState } from 'preact/hooks';
import { safetyNumber } from '../lib/safety.js';
import { persist } from '../state/local.js';
import { setState, useAppState } from '../state/store.js';

export function SafetyNumber({ user }: { user: string }) {
  const { verified } = useAppState();
  const [number, setNumber] = useState<string | null | undefined>();
  useEffect(() => {
    safetyNumber(user)
      .then((n) => setNumber(n ?? null))
      .catch(() => setNumber(null));
  }, [user]);

  const mark = (on: boolean) => {
    setState((s) => {
      const next = { ...s.verified };
      if (on && number) next[user] = number;
      else delete next[user];
      return { verified: next };
    });
    persist('verified');
  };

  if (number === undefined) return <p class="muted small">Computing…</p>;
  if (number === null)
    return <p class="muted small">No key for {user} yet: it is learned with their first message.</p>;
  const isVerified = verified[user] === number;
  return (
    <div class="safety">
      <p class="small">
        Compare this number with the one {user} sees for you, in person or on a call. If they match, nobody is
        in between.
      </p>
      <p class="safety-number mono">
        <span class="visually-hidden">Safety number with {user}: </span>
        {number}
      </p>
      <button type="button" onClick={() => mark(!isVerified)} aria-pressed={isVerified}>
        {isVerified ? 'Verified ✓ (undo)' : 'Mark as verified'}
      </button>
    </div>
  );
}
