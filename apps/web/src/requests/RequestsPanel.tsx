// The Requests folder: people from other providers who wrote first. Nothing of theirs shows until accepted;
// declining is never told to them; blocking also drops whatever they send later.
import { useEffect, useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { answer, loadRequests } from '../state/requests.js';
import { notify, useAppState } from '../state/store.js';
import { Avatar } from '../ui/Avatar.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { fullTime } from '../ui/time.js';

export function RequestsPanel() {
  const { requests } = useAppState();
  const [busy, setBusy] = useState<string | undefined>();
  useEffect(() => {
    loadRequests().catch(() => {});
  }, []);

  const act = async (kind: 'accept' | 'decline' | 'block', user: string) => {
    setBusy(user);
    try {
      await answer(kind, user);
      notify(
        'info',
        kind === 'accept'
          ? `You accepted ${user}.`
          : kind === 'block'
            ? `${user} is blocked.`
            : `You declined ${user}.`,
      );
    } catch (e) {
      notify('error', explain(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="panel" aria-labelledby="requests-title">
      <PaneHeader id="requests-title" title="Requests" />
      <div class="panel-body">
        <p class="hint">
          People on other providers who want to chat with you. They do not learn whether you declined.
        </p>
        {requests.length === 0 ? (
          <p class="muted">No requests.</p>
        ) : (
          <ul class="requests" aria-label="Requests">
            {requests.map((r) => (
              <li key={r.from} class="request">
                <Avatar user={r.from} size={40} />
                <div class="request-text">
                  <strong class="mono">{r.from}</strong>
                  <span class="muted small">
                    {r.rooms.some((room) => room.kind === 'group')
                      ? 'Invites you to a group'
                      : 'Wants to chat'}{' '}
                    · {fullTime(r.at)}
                  </span>
                </div>
                <div class="row">
                  <button
                    type="button"
                    class="primary"
                    disabled={busy === r.from}
                    onClick={() => act('accept', r.from)}
                  >
                    Accept
                  </button>
                  <button type="button" disabled={busy === r.from} onClick={() => act('decline', r.from)}>
                    Decline
                  </button>
                  <button
                    type="button"
                    class="danger"
                    disabled={busy === r.from}
                    onClick={() => act('block', r.from)}
                  >
                    Block
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
