// One member: address, provider, verified mark, their safety number on demand, and removal in groups.
import { useState } from 'preact/hooks';
import { Avatar } from '../ui/Avatar.js';
import { SafetyNumber } from './SafetyNumber.js';
import { VerifiedMark } from './VerifiedMark.js';

export function MemberItem({ user, me, onRemove }: { user: string; me: boolean; onRemove?: () => void }) {
  const [showSafety, setShowSafety] = useState(false);
  const [handle, domain] = user.split('@');
  return (
    <li class="member">
      <div class="member-row">
        <Avatar user={user} />
        <div class="member-text">
          <span>
            {handle}
            {me ? ' (you)' : ''} <VerifiedMark user={user} />
          </span>
          <span class="muted small">on {domain}</span>
        </div>
        {me ? null : (
          <button
            type="button"
            class="ghost"
            aria-expanded={showSafety}
            onClick={() => setShowSafety(!showSafety)}
          >
            Safety number
          </button>
        )}
        {onRemove ? (
          <button type="button" class="ghost danger" onClick={onRemove} aria-label={`Remove ${user}`}>
            Remove
          </button>
        ) : null}
      </div>
      {showSafety ? <SafetyNumber user={user} /> : null}
    </li>
  );
}
