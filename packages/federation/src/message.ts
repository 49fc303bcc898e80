// The HTTP message as the signature code sees it: lowercase field names, each with its field lines in order.
// Accepts the shapes callers already hold (fetch Headers, node's IncomingHttpHeaders, pairs).

export type HeadersInput =
  | Headers
  | Iterable<readonly [string, string]>
  | Record<string, string | readonly string[] | number | undefined>;

/** Field lines by lowercase name, in the order they were given. */
export type Fields = Map<string, string[]>;

export type Body = Uint8Array | string;

export interface RequestMessage {
  method: string;
  url: string | URL;
  headers: HeadersInput;
  body?: Body;
}

export interface ResponseMessage {
  status: number;
  headers: HeadersInput;
  body?: Body;
}

/** The parts of a message the signature base draws on, already normalized. */
export interface RequestView {
  method: string;
  url: URL;
  fields: Fields;
}
export interface ResponseView {
  status: number;
  fields: Fields;
}

const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

function add(fields: Fields, name: string, value: string): void {
  const key = name.toLowerCase();
  if (!FIELD_NAME.test(key)) throw new TypeError(`invalid header name: ${name}`);
  const lines = fields.get(key);
  if (lines) lines.push(value);
  else fields.set(key, [value]);
}

export function toFields(headers: HeadersInput): Fields {
  const fields: Fields = new Map();
  if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) add(fields, name, value);
    return fields;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number') add(fields, name, String(value));
    else for (const line of value) add(fields, name, line);
  }
  return fields;
}

export function toBytes(body: Body): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/**
 * Normalizes a request for signing or verification: parsed URL, lowercase field names with their lines.
 *
 * @example
 * requestView({ method: 'GET', url: 'https://b.example/x', headers: { Host: 'b.example' } }).fields.get('host'); // ['b.example']
 */
export function requestView(message: Omit<RequestMessage, 'body'>): RequestView {
  return { method: message.method, url: new URL(message.url), fields: toFields(message.headers) };
}

/**
 * Normalizes a response for signing or verification; throws a RangeError on a status outside 100–999 (a bug).
 *
 * @example
 * responseView({ status: 200, headers: new Headers({ 'Content-Type': 'application/json' }) }).status; // 200
 */
export function responseView(message: Omit<ResponseMessage, 'body'>): ResponseView {
  if (!Number.isInteger(message.status) || message.status < 100 || message.status > 999) {
    throw new RangeError(`invalid HTTP status: ${message.status}`);
  }
  return { status: message.status, fields: toFields(message.headers) };
}

/**
 * The canonical value of a field (RFC 9421 section 2.1): each line's obsolete folding replaced by a space and
 * surrounding whitespace trimmed, then the lines joined with ", ". Undefined when the field is absent.
 */
export function fieldValue(fields: Fields, name: string): string | undefined {
  const lines = fields.get(name);
  if (!lines) return undefined;
  return lines.map((line) => line.replace(/\r?\n[ \t]+/g, ' ').trim()).join(', ');
}
