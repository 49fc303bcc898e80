// Writing: the "Message" box (Enter sends, Shift+Enter starts a new line, Escape cancels a reply or an edit), the
// file button, and the reply or edit being made. Sent text goes to the outbox at once, so nothing typed is lost
// when the provider does not answer.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { explain } from '../lib/errors.js';
import { editMessage, typing } from '../state/actions.js';
import { keepDraft, loadDraft } from '../state/drafts.js';
import { enqueue } from '../state/outbox.js';
import { notify, useAppState } from '../state/store.js';
import { FileButton } from './FileButton.js';

export type ComposerMode =
  | { kind: 'new' }
  | { kind: 'reply'; id: string }
  | { kind: 'edit'; id: string; text: string };

export function Composer({ room, mode, onDone }: { room: string; mode: ComposerMode; onDone: () => void }) {
  const s = useAppState();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let live = true;
    loadDraft(room).then((draft) => live && setText((t) => t || draft));
    return () => {
      live = false;
    };
  }, [room]);

  useEffect(() => {
    if (mode.kind === 'edit') setText(mode.text);
    if (mode.kind !== 'new') box.current?.focus();
  }, [mode]);

  const change = (value: string) => {
    setText(value);
    if (mode.kind !== 'edit') keepDraft(room, value);
    if (value) typing(room, true);
  };

  const cancel = () => {
    if (mode.kind === 'edit') setText('');
    onDone();
  };

  const submit = async () => {
    const body = text.trim();
    if (!body || busy) return;
    if (mode.kind === 'edit') {
      setBusy(true);
      try {
        await editMessage(room, mode.id, body);
        setText('');
        onDone();
      } catch (e) {
        notify('error', explain(e));
      } finally {
        setBusy(false);
      }
      return;
    }
    enqueue({ room, text: body, ...(mode.kind === 'reply' ? { replyTo: mode.id } : {}) });
    setText('');
    keepDraft(room, '');
    typing(room, false);
    onDone();
  };

  const onKey = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'Escape' && mode.kind !== 'new') {
      e.preventDefault();
      cancel();
    }
  };

  const quoted = mode.kind === 'reply' ? s.histories[room]?.find((m) => m.id === mode.id) : undefined;
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {mode.kind !== 'new' ? (
        <div class="composer-mode small">
          <span>
            {mode.kind === 'edit'
              ? 'Editing your message'
              : `Replying to ${quoted?.sender === s.me ? 'yourself' : (quoted?.sender ?? 'a message')}`}
            {quoted ? <span class="muted">: {quoted.text.slice(0, 80)}</span> : null}
          </span>
          <button type="button" class="ghost" onClick={cancel}>
            {mode.kind === 'edit' ? 'Cancel edit' : 'Cancel reply'}
          </button>
        </div>
      ) : null}
      <div class="composer-row">
        <FileButton room={room} />
        <textarea
          ref={box}
          aria-label="Message"
          placeholder="Write a message"
          rows={1}
          value={text}
          onInput={(e) => change(e.currentTarget.value)}
          onKeyDown={onKey}
          onBlur={() => typing(room, false)}
        />
        <button type="submit" class="primary" disabled={busy || !text.trim()}>
          {mode.kind === 'edit' ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}
