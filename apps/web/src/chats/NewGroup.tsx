// Create a group: a name and the people in it, by handle, from any provider.
import { useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { go } from '../lib/route.js';
import { createGroup } from '../state/actions.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { useFocusOnMount } from '../ui/useFocusOnMount.js';

export function splitHandles(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((h) => h.trim())
    .filter(Boolean);
}

export function NewGroup() {
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [busy, setBusy] = useState(false);
  const field = useFocusOnMount<HTMLInputElement>();
  const [error, setError] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    const handles = splitHandles(members);
    if (handles.length === 0) return setError('Add at least one person, by handle.');
    setBusy(true);
    setError('');
    try {
      const room = await createGroup(name, handles);
      go({ view: 'chat', room }, true);
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="new-group-title">
      <PaneHeader id="new-group-title" title="New group" />
      <form class="panel-body" onSubmit={submit}>
        <label>
          Group name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={100} ref={field} />
        </label>
        <label>
          Members
          <textarea
            rows={3}
            value={members}
            onInput={(e) => setMembers(e.currentTarget.value)}
            placeholder="bob@b.localhost, carol@c.localhost"
            autoCapitalize="none"
            spellcheck={false}
          />
        </label>
        <p class="hint">Handles on any provider, separated by commas or spaces.</p>
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create group'}
        </button>
      </form>
    </section>
  );
}
