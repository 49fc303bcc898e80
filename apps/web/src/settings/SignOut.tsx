// Signing out removes this browser as a device and deletes its keys and history here. The identity key may stay
// in this browser, so that signing in here again needs only the password.
import { useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { signOut } from '../state/session.js';
import { notify } from '../state/store.js';

export function SignOut() {
  const [forgetKey, setForgetKey] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <div>
      <p class="hint">
        This browser stops being one of your devices and forgets your messages. Others keep theirs.
      </p>
      <label class="check">
        <input type="checkbox" checked={forgetKey} onChange={(e) => setForgetKey(e.currentTarget.checked)} />
        Also forget my identity key in this browser
      </label>
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          signOut(forgetKey).catch((e) => {
            setBusy(false);
            notify('error', explain(e));
          });
        }}
      >
        Sign out
      </button>
    </div>
  );
}
