// HTTP Message Signatures (RFC 9421) with Ed25519, as every server-to-server request and response carries them.
// Our profile: `created` and `keyid` are always present and required; `alg="ed25519"` is added by default;
// a message with content must cover `content-digest` (RFC 9530), and the digest must match the content.
// A response covers `@status`, its `content-digest`, and, when the request is known, the request's method,
// target and signature through `;req` (RFC 9421 section 2.4), binding the answer to the question.
import { type KeyObject, sign, verify } from 'node:crypto';
import { componentId, componentKey, type SignedMessage, signatureBase, validComponents } from './base.js';
import { contentDigest, verifyContentDigest } from './digest.js';
import { isEd25519 } from './keys.js';
import {
  type Fields,
  fieldValue,
  type RequestMessage,
  type ResponseMessage,
  requestView,
  responseView,
  toBytes,
} from './message.js';
import type { ReplayCache } from './replay.js';
import { type InnerList, isInnerList, parseDictionary, serializeDictionary } from './structured.js';

export interface SignOptions {
  keyId: string;
  /** An Ed25519 private KeyObject. */
  privateKey: KeyObject;
  /** Unix time in seconds; default now. */
  created?: number;
  /** Unix time in seconds after which the signature is void. */
  expires?: number;
  nonce?: string;
  /** Dictionary label of this signature. Default `sig1`. */
  label?: string;
  /** Covered components, as names (`@method`) or serialized identifiers (`"@method";req`). */
  components?: readonly string[];
  /** Add `alg="ed25519"`. Default true. */
  includeAlg?: boolean;
}

/** Headers to add to the message, lowercase names. */
export type SignatureHeaders = {
  'signature-input': string;
  signature: string;
  'content-digest'?: string;
};

export type VerifyFailure =
  | 'missingSignature'
  | 'malformed'
  | 'unknownKey'
  | 'expired'
  | 'future'
  | 'badSignature'
  | 'badDigest'
  | 'missingComponent'
  | 'replayed';

export type VerifyResult =
  | { ok: true; keyId: string; created: number; label: string; components: string[] }
  | { ok: false; reason: VerifyFailure };

export interface VerifyOptions {
  /** Milliseconds since the epoch, as Date.now(). */
  now: number;
  /** Oldest acceptable `created`, in seconds before now. */
  maxAgeSeconds: number;
  /** How far `created` may lie in the future (clock drift between providers). Default 60. */
  clockSkewSeconds?: number;
  resolveKey: (keyId: string) => Promise<KeyObject | undefined>;
  replayCache?: ReplayCache;
  /** Components the signature must cover, as names or serialized identifiers. A default per message kind. */
  requiredComponents?: readonly string[];
  /** Which signature to check; default the first label present in both Signature-Input and Signature. */
  label?: string;
}

/** The request a response answers, as the verifier or signer of the response holds it. */
export type RelatedRequest = Omit<RequestMessage, 'body'>;

function signMessage(
  message: SignedMessage,
  fields: Fields,
  components: readonly string[],
  body: Uint8Array | undefined,
  options: SignOptions,
): SignatureHeaders {
  if (!isEd25519(options.privateKey, 'private'))
    throw new TypeError('privateKey must be an Ed25519 private key');
  const headers: Partial<SignatureHeaders> = {};
  if (body !== undefined) {
    headers['content-digest'] = contentDigest(body);
    fields.set('content-digest', [headers['content-digest']]);
  }
  const params: InnerList['params'] = new Map();
  params.set('created', options.created ?? Math.floor(Date.now() / 1000));
  if (options.expires !== undefined) params.set('expires', options.expires);
  params.set('keyid', options.keyId);
  if (options.nonce !== undefined) params.set('nonce', options.nonce);
  if (options.includeAlg ?? true) params.set('alg', 'ed25519');
  const signatureParams: InnerList = { items: components.map(componentId), params };

  const built = signatureBase(message, signatureParams);
  if (!built.ok) throw new Error(`cannot sign: ${built.reason} among ${components.join(' ')}`);
  const signature = sign(null, Buffer.from(built.base, 'utf8'), options.privateKey);
  const label = options.label ?? 'sig1';
  return {
    ...headers,
    'signature-input': serializeDictionary(new Map([[label, signatureParams]])),
    signature: serializeDictionary(
      new Map([[label, { value: new Uint8Array(signature), params: new Map() }]]),
    ),
  };
}

function fail(reason: VerifyFailure): VerifyResult {
  return { ok: false, reason };
}

async function verifyMessage(
  message: SignedMessage,
  fields: Fields,
  required: readonly string[],
  body: Uint8Array,
  options: VerifyOptions,
): Promise<VerifyResult> {
  const inputField = fieldValue(fields, 'signature-input');
  const signatureField = fieldValue(fields, 'signature');
  if (inputField === undefined || signatureField === undefined) return fail('missingSignature');
  const inputs = parseDictionary(inputField);
  const signatures = parseDictionary(signatureField);
  if (!inputs.ok || !signatures.ok) return fail('malformed');
  const label = options.label ?? [...inputs.value.keys()].find((l) => signatures.value.has(l));
  const input = label === undefined ? undefined : inputs.value.get(label);
  const signed = label === undefined ? undefined : signatures.value.get(label);
  if (label === undefined || !input || !signed) return fail('missingSignature');
  if (!isInnerList(input) || isInnerList(signed) || !(signed.value instanceof Uint8Array))
    return fail('malformed');
  if (!validComponents(input.items, message.kind)) return fail('malformed');

  const created = input.params.get('created');
  const expires = input.params.get('expires');
  const keyId = input.params.get('keyid');
  const alg = input.params.get('alg');
  if (typeof created !== 'number' || typeof keyId !== 'string') return fail('malformed');
  if (expires !== undefined && (typeof expires !== 'number' || expires < created)) return fail('malformed');
  if (alg !== undefined && typeof alg !== 'string') return fail('malformed');
  // RFC 9421 section 3.2: an `alg` that is not the key's algorithm fails verification.
  if (alg !== undefined && alg !== 'ed25519') return fail('badSignature');

  const nowSeconds = Math.floor(options.now / 1000);
  if (created > nowSeconds + (options.clockSkewSeconds ?? 60)) return fail('future');
  if (nowSeconds - created > options.maxAgeSeconds) return fail('expired');
  if (expires !== undefined && nowSeconds > expires) return fail('expired');

  const covered = new Set(input.items.map(componentKey));
  const mustCover = body.length > 0 ? [...required, 'content-digest'] : required;
  if (!mustCover.every((spec) => covered.has(componentKey(componentId(spec)))))
    return fail('missingComponent');

  const key = await options.resolveKey(keyId);
  if (!key || !isEd25519(key, 'public')) return fail('unknownKey');
  const built = signatureBase(message, input);
  if (!built.ok) return fail(built.reason);
  let valid = false;
  try {
    valid = signed.value.length === 64 && verify(null, Buffer.from(built.base, 'utf8'), key, signed.value);
  } catch {
    valid = false;
  }
  if (!valid) return fail('badSignature');

  if (covered.has('"content-digest"')) {
    const digest = verifyContentDigest(fieldValue(fields, 'content-digest'), body);
    if (!digest.ok) return fail('badDigest');
  }
  const validUntil = Math.min(created + options.maxAgeSeconds, expires ?? Number.POSITIVE_INFINITY);
  const replayCache = options.replayCache;
  if (replayCache && !replayCache.firstSeen(keyId, signed.value, (validUntil + 1) * 1000, created)) {
    return fail('replayed');
  }
  return { ok: true, keyId, created, label, components: input.items.map((item) => item.value) };
}

const EMPTY = new Uint8Array(0);

/**
 * Signs a request: covers `@method`, `@target-uri` and (with a body) `content-digest`, with `created`,
 * `keyid` and `alg="ed25519"`. Returns the headers to add; throws if a covered header is absent (a bug).
 *
 * @example
 * const added = signRequest({ method: 'POST', url: 'https://b.example/notify', headers: {}, body, keyId, privateKey });
 * await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...added } });
 */
export function signRequest(options: RequestMessage & SignOptions): SignatureHeaders {
  const request = requestView(options);
  const body = options.body === undefined ? undefined : toBytes(options.body);
  const components = options.components ?? ['@method', '@target-uri', ...(body ? ['content-digest'] : [])];
  return signMessage({ kind: 'request', request }, request.fields, components, body, options);
}

/**
 * Verifies a request's signature: parses Signature-Input and Signature, checks freshness, the covered
 * components, the Ed25519 signature, the Content-Digest against the body, and the replay cache.
 * Expected failures are values; only a throwing `resolveKey` throws.
 *
 * @example
 * const result = await verifyRequest({ method, url, headers, body, now: Date.now(), maxAgeSeconds: 300, resolveKey });
 * if (!result.ok) return reply(401, result.reason);
 */
export function verifyRequest(options: RequestMessage & VerifyOptions): Promise<VerifyResult> {
  const request = requestView(options);
  const body = options.body === undefined ? EMPTY : toBytes(options.body);
  const required = options.requiredComponents ?? ['@method', '@target-uri'];
  return verifyMessage({ kind: 'request', request }, request.fields, required, body, options);
}

function requestBinding(request: RelatedRequest | undefined, requestLabel: string): string[] {
  if (!request) return [];
  const bound = ['"@method";req', '"@target-uri";req'];
  const signatures = fieldValue(requestView(request).fields, 'signature');
  const parsed = signatures === undefined ? undefined : parseDictionary(signatures);
  if (parsed?.ok && parsed.value.has(requestLabel)) bound.push(`"signature";req;key="${requestLabel}"`);
  return bound;
}

/**
 * Signs a response: covers `@status`, `content-digest` (with a body) and, given the request, the request's
 * `@method`, `@target-uri` and signature (`"signature";req;key="sig1"`).
 *
 * @example
 * const added = signResponse({ status: 200, headers: {}, body, request: { method, url, headers }, keyId, privateKey });
 */
export function signResponse(
  options: ResponseMessage & SignOptions & { request?: RelatedRequest; requestLabel?: string },
): SignatureHeaders {
  const response = responseView(options);
  const request = options.request ? requestView(options.request) : undefined;
  const body = options.body === undefined ? undefined : toBytes(options.body);
  const components = options.components ?? [
    '@status',
    ...(body ? ['content-digest'] : []),
    ...requestBinding(options.request, options.requestLabel ?? 'sig1'),
  ];
  return signMessage({ kind: 'response', response, request }, response.fields, components, body, options);
}

/**
 * Verifies a response's signature like verifyRequest, requiring by default `@status` and, given the request
 * we sent, its `@method`, `@target-uri` and signature through `;req`.
 *
 * @example
 * const result = await verifyResponse({ status: res.status, headers: res.headers, body, request: sent, now: Date.now(), maxAgeSeconds: 300, resolveKey });
 */
export function verifyResponse(
  options: ResponseMessage & VerifyOptions & { request?: RelatedRequest; requestLabel?: string },
): Promise<VerifyResult> {
  const response = responseView(options);
  const request = options.request ? requestView(options.request) : undefined;
  const body = options.body === undefined ? EMPTY : toBytes(options.body);
  const required = options.requiredComponents ?? [
    '@status',
    ...requestBinding(options.request, options.requestLabel ?? 'sig1'),
  ];
  return verifyMessage({ kind: 'response', response, request }, response.fields, required, body, options);
}
