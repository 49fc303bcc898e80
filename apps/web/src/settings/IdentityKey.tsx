// The identity key, shown on request, to sign this account in on another browser. It certifies every device of
// the account: it is for the person's eyes (and their other browser) only.
import { useState } from 'preact/hooks';
import { device } from '../state/client.js';

export function IdentityKey() {
  const [key, setKey] = useState<string | undefined>();
  return (
    <div>
      <p class="hint">To sign in on another browser, paste this key there. Never share it with anyone.</p>
      {key ? (
        <>
          <textarea class="mono" readOnly rows={3} value={key} aria-label="Identity key" />
          <button type="button" onClick={() => setKey(undefined)}>
            Hide identity key
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setKey(device().client.exportIdentityKey())}>
          Show identity key
        </button>
      )}
    </div>
  );
}
