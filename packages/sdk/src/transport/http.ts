// JSON over HTTP to the device's own provider, through the global `fetch` (or one passed in).
import { SdkError } from '../errors.js';

export type Fetch = typeof globalThis.fetch;

export interface HttpOptions {
  /** The provider's base URL, e.g. `http://127.0.0.1:7101`. */
  server: string;
  fetch?: Fetch;
  /** The device's bearer token, when signed in. */
  token?: () => string | undefined;
  /** How long one request may take before it counts as no answer (default 30 s). */
  timeoutMs?: number;
}

/**
 * Sends one JSON request and returns the parsed answer. Errors come back as {@link SdkError}: the provider's
 * `{"error":{"code","message"}}` keeps its code and status; no answer at all is `network`.
 *
 * @example
 * const http = new Http({ server: 'http://127.0.0.1:7101' });
 * const session = await http.request<{ token: string }>('POST', '/v1/sessions', { handle, password });
 */
export class Http {
  readonly server: string;
  private readonly fetch: Fetch;

  constructor(private readonly options: HttpOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const token = this.options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      // Bounded: a provider that accepted the connection but never answers is "no answer", retried like one.
      response = await this.fetch(this.server + path, {
        method,
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new SdkError('network', `${method} ${path}: no answer from the provider`, undefined, { cause });
    }
    // The body too: reading it is bounded by the same signal.
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === 'string' ? error.code : 'badResponse';
      const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
      throw new SdkError(code, `${method} ${path}: ${message}`, response.status);
    }
    return parsed as T;
  }
}
