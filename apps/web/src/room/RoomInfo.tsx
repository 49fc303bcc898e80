// A conversation's details: its name (groups), its members with their providers and safety numbers, adding and
// removing people, and leaving.
import { useState } from 'preact/hooks';
import { splitHandles } from '../chats/NewGroup.js';
import { explain } from '../lib/errors.js';
import { go, href } from '../lib/route.js';
import { addMembers, leaveRoom, removeMember } from '../state/actions.js';
import { roomTitle } from '../state/rooms.js';
import { notify, useAppState } from '../state/store.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { MemberItem } from './MemberItem.js';
import { RenameForm } from './RenameForm.js';

export function RoomInfo({ room }: { room: string }) {
  const s = useAppState();
  const record = s.rooms[room];
  const [adding, setAdding] = useState('');
  const [busy, setBusy] = useState(false);
  if (!record) return <p class="panel-body muted">This conversation is not on this device.</p>;
  const group = record.kind === 'group';

  const run = async (work: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await work();
      if (done) notify('info', done);
    } catch (e) {
      notify('error', explain(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="info-title">
      <PaneHeader id="info-title" title={roomTitle(room)}>
        <a class="button" href={href({ view: 'chat', room })}>
          Back to chat
        </a>
      </PaneHeader>
      <div class="panel-body">
        {group && record.active ? <RenameForm room={room} current={record.name ?? ''} /> : null}
        <h3>Members</h3>
        <ul class="members" aria-label="Members">
          {record.members.map((user) => (
            <MemberItem
              key={user}
              user={user}
              me={user === s.me}
              {...(group && record.active && user !== s.me
                ? { onRemove: () => run(() => removeMember(room, user), `${user} was removed.`) }
                : {})}
            />
          ))}
        </ul>
        {group && record.active ? (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              const users = splitHandles(adding);
              if (users.length === 0) return;
              void run(() => addMembers(room, users), `Added ${users.join(', ')}.`).then(() => setAdding(''));
            }}
          >
            <label class="grow">
              Add people
              <input
                value={adding}
                onInput={(e) => setAdding(e.currentTarget.value)}
                placeholder="dave@c.localhost"
                autoCapitalize="none"
              />
            </label>
            <button type="submit" disabled={busy}>
              Add
            </button>
          </form>
        ) : null}
        {record.active ? (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={() =>
              void run(
                async () => {
                  await leaveRoom(room);
                  go({ view: 'chats' });
                },
                group ? 'You left the group.' : 'You left the chat.',
              )
            }
          >
            {group ? 'Leave group' : 'Leave chat'}
          </button>
        ) : (
          <p class="muted">You are no longer in this conversation.</p>
        )}
      </div>
    </section>
  );
}
