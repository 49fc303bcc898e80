// Choosing a file to send: it is encrypted in the page and goes out through the outbox like a message.
import { useRef } from 'preact/hooks';
import { tooLarge } from '../lib/errors.js';
import { enqueue } from '../state/outbox.js';
import { getState, notify } from '../state/store.js';
import { Icon } from '../ui/Icon.js';

// No provider accepts more (the server's own ceiling). A provider that tells its limit (`GET /v1/provider`) is
// checked here; otherwise its answer to the upload says (413).
const HARD_LIMIT = 64 * 1024 * 1024;

export function FileButton({ room }: { room: string }) {
  const input = useRef<HTMLInputElement>(null);
  const chosen = async (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    if (input.current) input.current.value = '';
    const limit = getState().provider.maxAttachmentBytes ?? HARD_LIMIT;
    if (file.size + 16 > limit) {
      notify('error', tooLarge(file.name));
      return;
    }
    const data = new Uint8Array(await file.arrayBuffer());
    enqueue({
      room,
      text: '',
      file: { data, name: file.name, type: file.type || 'application/octet-stream' },
    });
  };
  return (
    <>
      <input
        ref={input}
        type="file"
        class="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(e) => void chosen(e.currentTarget.files)}
      />
      <button
        type="button"
        class="ghost icon"
        aria-label="Attach file"
        title="Attach file"
        onClick={() => input.current?.click()}
      >
        <Icon name="attach" size={20} />
      </button>
    </>
  );
}
