// The page before signing in: which provider this is, and one form to create an account or sign in. A failed
// attempt says why in the form and keeps what was typed.
import { useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { register, signIn } from '../state/session.js';
import { setState, useAppState } from '../state/store.js';
import { Logo } from '../ui/Logo.js';

type Action = 'register' | 'signIn';

export function SignInPage() {
  const { provider } = useAppState();
  const [handle, setHandle] = useState('');
  const [password, setPassword] = useState('');
  const [identityKey, setIdentityKey] = useState('');
  const [busy, setBusy] = useState<Action | undefined>();
  const [error, setError] = useState('');

  const localPart = (): string | undefined => {
    const [name, domain] = handle.trim().toLowerCase().split('@');
    if (domain && domain !== provider.domain) {
      setError(`This is ${provider.name} (${provider.domain}). Use the app of ${domain} for that account.`);
      return undefined;
    }
    return name;
  };

  const run = async (action: Action) => {
    const name = localPart();
    if (!name) {
      if (!handle.trim()) setError('Enter a handle.');
      return;
    }
    if (!password) return setError('Enter a password.');
    setBusy(action);
    setError('');
    setState({ notice: undefined });
    try {
      if (action === 'register') await register(name, password);
      else await signIn(name, password, identityKey);
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <main class="signin">
      <div class="signin-card">
        <header class="signin-brand">
          <Logo size={56} />
          <div>
            <h1>{provider.name}</h1>
            <p class="muted">
              You are on <strong>{provider.name}</strong> at <span class="mono">{provider.domain}</span>. Chat
              with people on any provider, end-to-end encrypted.
            </p>
          </div>
        </header>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('signIn');
          }}
        >
          <label>
            Handle
            <input
              name="handle"
              autoComplete="username"
              autoCapitalize="none"
              spellcheck={false}
              value={handle}
              onInput={(e) => setHandle(e.currentTarget.value)}
              placeholder="alice"
              required
            />
          </label>
          <p class="hint">
            Your address will be{' '}
            <span class="mono">
              {(handle.split('@')[0] || 'name').toLowerCase()}@{provider.domain}
            </span>
          </p>
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
              required
            />
          </label>
          <details>
            <summary>Signing in on another browser?</summary>
            <label>
              Identity key
              <textarea
                rows={2}
                value={identityKey}
                onInput={(e) => setIdentityKey(e.currentTarget.value)}
                placeholder="From Settings → Identity key on a signed-in device"
              />
            </label>
          </details>
          {error ? (
            <p class="form-error" role="alert">
              {error}
            </p>
          ) : null}
          <div class="row">
            <button type="submit" class="primary" disabled={busy !== undefined}>
              {busy === 'signIn' ? 'Signing in…' : 'Sign in'}
            </button>
            <button type="button" disabled={busy !== undefined} onClick={() => void run('register')}>
              {busy === 'register' ? 'Creating…' : 'Create account'}
            </button>
          </div>
        </form>
      </div>
    </main>
  );
}
