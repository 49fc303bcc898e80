// Start a chat by handle: `bob` on this provider or `bob@b.example` anywhere. Opens the chat when it exists.
import { useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { go } from '../lib/route.js';
import { startChat } from '../state/actions.js';
import { useAppState } from '../state/store.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { useFocusOnMount } from '../ui/useFocusOnMount.js';

export function NewChat() {
  const { provider } = useAppState();
  const [handle, setHandle] = useState('');
  const [busy, setBusy] = useState(false);
  const field = useFocusOnMount<HTMLInputElement>();
  const [error, setError] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!handle.trim()) return setError('Enter the handle of the person to chat with.');
    setBusy(true);
    setError('');
    try {
      const room = await startChat(handle);
      go({ view: 'chat', room }, true);
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="new-chat-title">
      <PaneHeader id="new-chat-title" title="New chat" />
      <form class="panel-body" onSubmit={submit}>
        <label>
          Chat with
          <input
            value={handle}
            onInput={(e) => setHandle(e.currentTarget.value)}
            placeholder={`bob@${provider.domain}`}
            autoCapitalize="none"
            spellcheck={false}
            ref={field}
          />
        </label>
        <p class="hint">A handle on any provider, like bob@b.localhost.</p>
        {error ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start chat'}
        </button>
      </form>
    </section>
  );
}
