// The signature base of RFC 9421 section 2.5: one line per covered component, then "@signature-params".
// Derived components supported: @method @target-uri @authority @scheme @request-target @path @query @status.
// Component parameters supported: `req` (a request component inside a response signature) and `key`
// (one member of a Dictionary field). Others (`sf`, `bs`, `tr`, `name`) are refused.
import { fieldValue, type RequestView, type ResponseView } from './message.js';
import {
  type InnerList,
  type Item,
  parseDictionary,
  parseItem,
  serializeInnerList,
  serializeItem,
  serializeMember,
} from './structured.js';

/** A covered component: a lowercase name (a field name or an `@`-derived name) and its parameters. */
export type ComponentId = Item & { value: string };

/** The message a signature covers: a request, or a response with the request it answers. */
export type SignedMessage =
  | { kind: 'request'; request: RequestView }
  | { kind: 'response'; response: ResponseView; request?: RequestView };

export type BaseResult = { ok: true; base: string } | { ok: false; reason: 'missingComponent' | 'malformed' };

const DERIVED_REQUEST = new Set([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
]);

/**
 * Reads a component given as a plain name (`@method`, `content-digest`) or as a serialized identifier with
 * parameters (`"@method";req`, `"signature";req;key="sig1"`). Throws a TypeError on nonsense: callers pass
 * constants.
 *
 * @example
 * componentId('"@method";req'); // { value: '@method', params: Map { 'req' => true } }
 */
export function componentId(spec: string): ComponentId {
  if (!spec.startsWith('"')) return { value: spec.toLowerCase(), params: new Map() };
  const parsed = parseItem(spec);
  if (!parsed.ok || typeof parsed.value.value !== 'string') {
    throw new TypeError(`not a component identifier: ${spec}`);
  }
  return { value: parsed.value.value, params: parsed.value.params };
}

/** Checks an identifier read from a Signature-Input header: known shape and parameters, lowercase name. */
export function isComponentId(item: Item): item is ComponentId {
  if (typeof item.value !== 'string' || item.value === '' || item.value !== item.value.toLowerCase()) {
    return false;
  }
  for (const [key, value] of item.params) {
    if (key === 'req' && value !== true) return false;
    if (key === 'key' && typeof value !== 'string') return false;
    if (key !== 'req' && key !== 'key') return false;
  }
  return true;
}

export function serializeComponentId(id: ComponentId): string {
  return serializeItem(id);
}

/** The identity of a component for comparisons: its parameters in sorted order, since order carries no meaning. */
export function componentKey(id: ComponentId): string {
  const params = new Map([...id.params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return serializeItem({ value: id.value, params });
}

type Value = { ok: true; value: string } | { ok: false; reason: 'missingComponent' | 'malformed' };

function derived(name: string, request: RequestView): string | undefined {
  const url = request.url;
  switch (name) {
    case '@method':
      return request.method;
    case '@target-uri': {
      const target = new URL(url);
      target.hash = '';
      return target.href;
    }
    case '@authority':
      return url.host;
    case '@scheme':
      return url.protocol.slice(0, -1);
    case '@request-target':
      return url.pathname + url.search;
    case '@path':
      return url.pathname || '/';
    case '@query':
      return url.search || '?';
    default:
      return undefined;
  }
}

const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** Whether a component may appear in a signature on this kind of message (RFC 9421 sections 2.2 to 2.4). */
function fitsMessage(id: ComponentId, kind: SignedMessage['kind']): boolean {
  const fromRequest = id.params.has('req');
  if (fromRequest && kind === 'request') return false;
  if (!id.value.startsWith('@')) return FIELD_NAME.test(id.value);
  if (id.params.has('key')) return false;
  if (id.value === '@status') return kind === 'response' && !fromRequest;
  return DERIVED_REQUEST.has(id.value) && (kind === 'request' || fromRequest);
}

/**
 * Checks the covered components of a signature before any value is read: each a lowercase string with only
 * supported parameters, meaningful for this kind of message, none repeated, no `@signature-params`.
 */
export function validComponents(items: Item[], kind: SignedMessage['kind']): items is ComponentId[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (!isComponentId(item) || !fitsMessage(item, kind)) return false;
    const key = componentKey(item);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

function componentValue(id: ComponentId, message: SignedMessage): Value {
  const fromRequest = id.params.has('req');
  const request = message.request;
  if (id.value === '@status' && message.kind === 'response') {
    return { ok: true, value: String(message.response.status) };
  }
  if (id.value.startsWith('@')) {
    if (!request) return { ok: false, reason: 'missingComponent' };
    return { ok: true, value: derived(id.value, request) as string };
  }
  const fields = fromRequest || message.kind === 'request' ? request?.fields : message.response.fields;
  const value = fields ? fieldValue(fields, id.value) : undefined;
  if (value === undefined) return { ok: false, reason: 'missingComponent' };
  const key = id.params.get('key');
  if (typeof key !== 'string') return { ok: true, value };
  const dict = parseDictionary(value);
  if (!dict.ok) return { ok: false, reason: 'malformed' };
  const member = dict.value.get(key);
  if (!member) return { ok: false, reason: 'missingComponent' };
  return { ok: true, value: serializeMember(member) };
}

/**
 * Builds the RFC 9421 signature base for a message over the covered components of `signatureParams`
 * (an inner list whose items are component identifiers and whose parameters are created, keyid, ...).
 * Fails on a repeated component, a covered field that is absent, or a value that is not printable ASCII.
 *
 * @example
 * const params = { items: [{ value: '@method', params: new Map() }], params: new Map([['created', 1]]) };
 * const request = requestView({ method: 'GET', url: 'https://b.example/x', headers: {} });
 * signatureBase({ kind: 'request', request }, params);
 * // { ok: true, base: '"@method": GET\n"@signature-params": ("@method");created=1' }
 */
export function signatureBase(message: SignedMessage, signatureParams: InnerList): BaseResult {
  const items = signatureParams.items;
  if (!validComponents(items, message.kind)) return { ok: false, reason: 'malformed' };
  const lines: string[] = [];
  for (const item of items) {
    const value = componentValue(item, message);
    if (!value.ok) return value;
    if (!/^[\t\x20-\x7e]*$/.test(value.value)) return { ok: false, reason: 'malformed' };
    lines.push(`${serializeComponentId(item)}: ${value.value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(signatureParams)}`);
  return { ok: true, base: lines.join('\n') };
}
