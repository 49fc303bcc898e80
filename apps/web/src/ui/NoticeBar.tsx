// The notice at the top of the page: errors (announced at once) and information, until dismissed.
import { setState, useAppState } from '../state/store.js';

export function NoticeBar() {
  const { notice } = useAppState();
  if (!notice) return <div class="notice-slot" role="status" aria-live="polite" />;
  return (
    <div class={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button
        type="button"
        class="ghost"
        onClick={() => setState({ notice: undefined })}
        aria-label="Dismiss"
      >
        ✕
      </button>
    </div>
  );
}
