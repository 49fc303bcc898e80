/**
 * The generators and the raw socket of fuzz.test.ts and fuzz-stream.test.ts: hostile values, valid bodies with one thing changed, path
 * segments, query strings and content types as clients (and attackers) send them.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { ERROR_STATUS } from '@parley/protocol';
import fc from 'fast-check';
import WebSocket from 'ws';
import { errorCode } from './support.js';

/** Runs per property (`PARLEY_FUZZ_RUNS` for a longer session). */
export const RUNS = Number(process.env.PARLEY_FUZZ_RUNS ?? 60);
/** Each run is one request or one socket: anything slower than this is a hang. */
export const RUN_TIMEOUT_MS = 5_000;

/** Values that have broken servers before: empty, NUL, lone surrogates, huge, negative, wrong type. */
export const nasty = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '',
    '\u0000',
    'bob\u0000',
    '\ud800',
    '🔑',
    ' ',
    'x'.repeat(5_000),
    '../../etc/passwd',
    'bob@b.localhost',
    'BOB',
    '__proto__',
    'constructor',
    -1,
    0,
    2 ** 53,
    1e308,
    0.5,
    [],
    {},
    null,
    true,
  ),
);

/** A valid body with one thing changed: a field replaced, dropped or added. */
export function mutate(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(template);
  const nested = keys.filter((k) => typeof template[k] === 'object' && template[k] !== null);
  const variants: fc.Arbitrary<unknown>[] = [
    fc.constant(template),
    fc.tuple(fc.string({ maxLength: 12 }), nasty).map(([key, value]) => ({ ...template, [key]: value })),
  ];
  if (keys.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...keys), nasty).map(([key, value]) => ({ ...template, [key]: value })),
      fc.constantFrom(...keys).map((key) => {
        const { [key]: _, ...rest } = template;
        return rest;
      }),
    );
  }
  if (nested.length > 0) {
    // One level down: one more element in an array of the template, or a record replaced.
    variants.push(
      fc.tuple(fc.constantFrom(...nested), nasty).map(([key, value]) => ({
        ...template,
        [key]: Array.isArray(template[key]) ? [...(template[key] as unknown[]), value] : { x: value },
      })),
    );
  }
  return fc.oneof(...variants);
}

/** A body as sent: JSON text mostly, sometimes not JSON at all, sometimes nothing. */
export const bodyText = (template: Record<string, unknown> | undefined) =>
  fc.oneof(
    { weight: 4, arbitrary: (template ? mutate(template) : fc.anything()).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.anything().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
        '[]',
        '""',
      ),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

export const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      'text/plain',
      'application/octet-stream',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      '',
    ),
  },
);

/** A path segment as a client might send it: a known id, something id-like, or encoded junk. */
export const segment = (known: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z2-7]{10,64}$/) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent) },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: fc.constantFrom(..."aZ09%._~-!$&'()*+,;=:@/#[]".split('')),
        maxLength: 40,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '.', '..', '%', '%zz', '%00', '%C0%80', '%ED%A0%80', 'a'.repeat(900)),
    },
  );

export const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom('after', 'limit', 'since', 'x'), fc.string({ maxLength: 8 })),
          fc.oneof(
            fc.integer().map(String),
            fc.constantFrom('', '-1', '0', '1', '1e3', '1.5', '9007199254740993', 'NaN', 'Infinity', '0x10'),
            fc.string({ unit: 'binary', maxLength: 20 }),
          ),
        ),
        { maxLength: 4 },
      )
      .map(
        (pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.constantFrom(...'?&=a1%[]'.split('')), maxLength: 20 })
      .map((q) => `?${q}`),
  },
);

/** `METHOD /path/:param` for every route in Fastify's printed route tree (HEAD left out: Fastify adds it). */
export function routesOf(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)(\/\S*) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4 - 1;
    stack[depth] = match[2]!;
    const path = stack.slice(0, depth + 1).join('');
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return out;
}

/** The property every HTTP answer has. */
export function checkAnswer(
  reply: { status: number; text: string; headers: http.IncomingHttpHeaders },
  what: string,
) {
  const context = `${what} → ${reply.status} ${reply.text.slice(0, 300)}`;
  assert.ok(reply.status >= 200 && reply.status < 500, `no server error: ${context}`);
  if (reply.status >= 400) {
    assert.match(String(reply.headers['content-type']), /^application\/json/, context);
    const code = errorCode(JSON.parse(reply.text), context);
    assert.equal(
      ERROR_STATUS[code as keyof typeof ERROR_STATUS],
      reply.status,
      `status of ${code}: ${context}`,
    );
  } else if (reply.text.length > 0) {
    assert.doesNotThrow(() => JSON.parse(reply.text), context);
  }
}

/** A raw client socket that records every frame and the close. */
export class Socket {
  readonly frames: Record<string, unknown>[] = [];
  closeCode: number | undefined;
  private readonly closed: Promise<void>;
  private wake: () => void = () => {};

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the server sends text frames only');
      const value: unknown = JSON.parse(data.toString());
      assert.ok(value && typeof value === 'object' && !Array.isArray(value), 'frames are JSON objects');
      this.frames.push(value as Record<string, unknown>);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        this.wake();
        resolve();
      }),
    );
    ws.on('error', () => {});
  }

  static async open(base: string): Promise<Socket> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Socket(ws);
  }

  send(frame: { text: string } | { binary: Uint8Array }): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if ('text' in frame) this.ws.send(frame.text);
    else this.ws.send(frame.binary, { binary: true });
  }

  /** Waits for a matching frame or the close, at most `ms`. */
  async until(match: (f: Record<string, unknown>) => boolean, ms = 3_000): Promise<'match' | 'closed'> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.frames.some(match)) return 'match';
      if (this.closeCode !== undefined) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${ms} ms: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async close(): Promise<void> {
    if (this.closeCode === undefined) this.ws.close();
    await this.closed;
  }
}
