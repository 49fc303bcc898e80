// JSON with byte strings, for stores that keep records as text: a Uint8Array becomes {"$bytes": base64}.
import { fromBase64, toBase64 } from '../util/bytes.js';

/**
 * Serialises a record whose fields may be Uint8Arrays (for stores that keep text).
 *
 * @example
 * localStorage.setItem('account', recordToJson(account));
 */
export function recordToJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? { $bytes: toBase64(v) } : v));
}

/**
 * The inverse of {@link recordToJson}.
 *
 * @example
 * const account = recordFromJson<AccountRecord>(localStorage.getItem('account')!);
 */
export function recordFromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) =>
    v !== null && typeof v === 'object' && typeof v.$bytes === 'string' && Object.keys(v).length === 1
      ? fromBase64(v.$bytes)
      : v,
  ) as T;
}
