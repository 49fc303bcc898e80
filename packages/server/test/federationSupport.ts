/**
 * What the federation tests share: a hand-made signed request (so tests can forge, tamper and replay), and the
 * network settings they run with.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { signRequest } from '@parley/federation';
import type { ProviderConfigInput } from '@parley/server';

/** Refetch on every unknown key id: the tests rotate keys seconds after the first fetch. */
export const NET_CONFIG: ProviderConfigInput = {
  federation: { refetchCooldownMs: 0, maxBodyBytes: 256 * 1024 },
};

export interface Forged {
  /** The provider's base URL the request goes to. */
  to: string;
  /** The URL the signature says (default the one it goes to). */
  signedFor?: string;
  path?: string;
  origin?: string;
  body: string;
  /** What is actually sent (default `body`). */
  sentBody?: string;
  keyId: string;
  privateKey: KeyObject;
  created?: number;
  components?: string[];
  unsigned?: boolean;
}

export interface Sent {
  status: number;
  headers: Headers;
  text: string;
  /** The request headers, to send again. */
  requestHeaders: Record<string, string>;
}

export function forge(f: Forged): { url: string; headers: Record<string, string>; body: string } {
  const url = `${f.to}${f.path ?? '/federation/v1/identifierQuery'}`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(f.origin === undefined ? {} : { 'parley-origin': f.origin }),
  };
  if (!f.unsigned) {
    Object.assign(
      headers,
      signRequest({
        method: 'POST',
        url: f.signedFor ? `${f.signedFor}${f.path ?? '/federation/v1/identifierQuery'}` : url,
        headers,
        body: f.body,
        keyId: f.keyId,
        privateKey: f.privateKey,
        ...(f.created === undefined ? {} : { created: f.created }),
        nonce: randomBytes(8).toString('hex'),
        components: f.components ?? ['@method', '@target-uri', 'content-digest', 'parley-origin'],
      }),
    );
  }
  return { url, headers, body: f.sentBody ?? f.body };
}

export async function send(request: {
  url: string;
  headers: Record<string, string>;
  body: string;
}): Promise<Sent> {
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  return {
    status: response.status,
    headers: response.headers,
    text: await response.text(),
    requestHeaders: request.headers,
  };
}

export const codeOf = (sent: Sent) => (JSON.parse(sent.text) as { error?: { code?: string } }).error?.code;
