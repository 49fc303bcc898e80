// Moving attachment ciphertext: `POST /v1/attachments` to this user's provider, `GET /v1/attachments/:domain/:id`
// from it (it fetches from the uploader's provider when that is another one). Only ciphertext ever travels.
import { SdkError } from '../errors.js';
import type { Fetch } from '../transport/http.js';
import { type Attachment, attachmentLocation, type FileInput } from './attachment.js';
import { decryptAttachment, encryptAttachment } from './cipher.js';

/** Where and as whom to move attachments: the device's provider and bearer token. */
export interface TransferOptions {
  server: string;
  token: string;
  fetch?: Fetch | undefined;
}

async function call(o: TransferOptions, method: string, path: string, body?: Uint8Array): Promise<Response> {
  const fetch = o.fetch ?? ((...args: Parameters<Fetch>) => globalThis.fetch(...args));
  let response: Response;
  try {
    response = await fetch(o.server.replace(/\/+$/, '') + path, {
      method,
      headers: {
        authorization: `Bearer ${o.token}`,
        ...(body ? { 'content-type': 'application/octet-stream' } : {}),
      },
      ...(body ? { body: new Uint8Array(body) } : {}),
    });
  } catch (cause) {
    throw new SdkError('network', `${method} ${path}: no answer from the provider`, undefined, { cause });
  }
  if (response.ok) return response;
  const error = (await response.json().catch(() => undefined)) as
    | { error?: { code?: unknown; message?: unknown } }
    | undefined;
  const code = typeof error?.error?.code === 'string' ? error.error.code : 'badResponse';
  const message = typeof error?.error?.message === 'string' ? error.error.message : `HTTP ${response.status}`;
  throw new SdkError(
    response.status === 413 ? 'payloadTooLarge' : code,
    `${method} ${path}: ${message}`,
    response.status,
  );
}

/**
 * Encrypts a file on this device and uploads the ciphertext to the device's provider; returns the attachment to
 * put in a message. `payloadTooLarge` (413) when the provider's limit is exceeded.
 *
 * @example
 * const attachment = await uploadAttachment({ server, token }, { data, name: 'cat.png', type: 'image/png' });
 */
export async function uploadAttachment(o: TransferOptions, file: FileInput): Promise<Attachment> {
  const sealed = await encryptAttachment(file.data);
  const response = await call(o, 'POST', '/v1/attachments', sealed.ciphertext);
  const got = (await response.json()) as { url?: unknown };
  if (typeof got.url !== 'string' || !attachmentLocation(got.url))
    throw new SdkError('badResponse', 'POST /v1/attachments: no attachment URL in the answer');
  return {
    url: got.url,
    contentType: file.type || 'application/octet-stream',
    filename: file.name,
    size: file.data.byteLength,
    key: sealed.key,
    nonce: sealed.nonce,
    hash: sealed.hash,
  };
}

/**
 * Fetches an attachment's ciphertext through the device's provider, checks its hash and decrypts it.
 *
 * @example
 * const bytes = await downloadAttachment({ server, token }, attachment);
 */
export async function downloadAttachment(o: TransferOptions, a: Attachment): Promise<Uint8Array> {
  const where = attachmentLocation(a.url);
  if (!where) throw new SdkError('badAttachment', 'not an attachment URL');
  const path = `/v1/attachments/${encodeURIComponent(where.domain)}/${encodeURIComponent(where.id)}`;
  const response = await call(o, 'GET', path);
  return decryptAttachment(new Uint8Array(await response.arrayBuffer()), a);
}
