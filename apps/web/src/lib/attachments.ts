// Opening attachments: fetched through this user's provider, checked and decrypted in the page, and shown from a
// blob: URL that lives as long as the tab. One fetch per attachment, however often it is shown.
import type { Attachment } from '@parley/sdk';
import { device } from '../state/client.js';

const opened = new Map<string, Promise<string>>();

export function openAttachment(a: Attachment): Promise<string> {
  let url = opened.get(a.url);
  if (!url) {
    url = device()
      .client.fetchFile(a)
      .then((bytes) =>
        URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: safeType(a.contentType) })),
      );
    // A failed fetch may work later (the provider was away): do not keep the failure.
    url.catch(() => opened.delete(a.url));
    opened.set(a.url, url);
  }
  return url;
}

/** Images the page may show inline; anything else is offered as a download, never rendered. */
export function isPreviewable(a: Attachment): boolean {
  return /^image\/(png|jpeg|gif|webp|avif|bmp)$/i.test(a.contentType);
}

function safeType(type: string): string {
  // A blob with an HTML or SVG type could run script when opened in a tab: such files are plain bytes here.
  return /^image\/(png|jpeg|gif|webp|avif|bmp)$/i.test(type) ? type : 'application/octet-stream';
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
