// Naming a group. The name travels end to end: the providers never see it.
import { useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { renameRoom } from '../state/actions.js';
import { notify } from '../state/store.js';

export function RenameForm({ room, current }: { room: string; current: string }) {
  const [name, setName] = useState(current);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="row"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!name.trim() || name.trim() === current) return;
        setBusy(true);
        try {
          await renameRoom(room, name);
          notify('info', 'The group has a new name.');
        } catch (err) {
          notify('error', explain(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label class="grow">
        Group name
        <input value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Rename
      </button>
    </form>
  );
}
