// A message's file: an image is fetched, decrypted and shown; any other file is offered as a download.
import type { Attachment } from '@parley/sdk';
import { useEffect, useState } from 'preact/hooks';
import { formatSize, isPreviewable, openAttachment } from '../lib/attachments.js';
import { explain } from '../lib/errors.js';
import { Icon } from '../ui/Icon.js';

export function AttachmentView({ attachment }: { attachment: Attachment }) {
  const preview = isPreviewable(attachment);
  const [url, setUrl] = useState<string | undefined>();
  const [error, setError] = useState('');

  const load = () => {
    setError('');
    openAttachment(attachment)
      .then(setUrl)
      .catch((e) => setError(explain(e)));
  };
  useEffect(() => {
    if (preview) load();
  }, [attachment.url]);

  const save = async () => {
    try {
      const href = url ?? (await openAttachment(attachment));
      const a = document.createElement('a');
      a.href = href;
      a.download = attachment.filename || 'file';
      a.click();
    } catch (e) {
      setError(explain(e));
    }
  };

  return (
    <div class="attachment">
      {preview && url ? (
        <img class="attachment-image" src={url} alt={attachment.filename || 'Image'} />
      ) : preview && !error ? (
        <div class="attachment-loading muted small" role="status">
          Decrypting {attachment.filename}…
        </div>
      ) : null}
      <div class="file-chip">
        <Icon name="file" />
        <span>{attachment.filename || 'file'}</span>
        <span class="muted small">{formatSize(attachment.size)}</span>
        <button type="button" class="ghost" onClick={() => void save()}>
          Download
        </button>
      </div>
      {error ? (
        <p class="form-error small" role="alert">
          {error}{' '}
          <button type="button" class="ghost" onClick={load}>
            Try again
          </button>
        </p>
      ) : null}
    </div>
  );
}
