// Property tests of the MIMI content codec: hostile bytes only ever yield ContentError, quickly, and anything
// accepted re-encodes identically; random valid messages and CBOR values survive encode/decode unchanged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { vectorsDir } from '@parley/testing';
import fc from 'fast-check';
import { decodeCbor } from '../src/content/cborDecode.js';
import { encodeCbor } from '../src/content/cborEncode.js';
import {
  CborFloat,
  CborSimple,
  CborTag,
  type CborValue,
  ContentError,
  decodeContent,
  type ExtensionKey,
  type Extensions,
  encodeContent,
  type MimiContent,
  type NestedPart,
} from '../src/content/index.js';

const TIME_LIMIT_MS = 1000;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const dir = vectorsDir('mimi-content');
const vectors = readdirSync(dir)
  .filter((f) => f.endsWith('.cbor'))
  .map((f) => new Uint8Array(readFileSync(join(dir, f))));

/** decodeContent either accepts input that re-encodes to the same bytes, or throws ContentError; and fast. */
function decodesSafely(bytes: Uint8Array): void {
  const started = performance.now();
  try {
    const msg = decodeContent(bytes);
    assert.equal(hex(encodeContent(msg)), hex(bytes));
  } catch (e) {
    if (!(e instanceof ContentError)) throw new Error(`non-ContentError for ${hex(bytes)}: ${String(e)}`);
  }
  const ms = performance.now() - started;
  assert.ok(ms < TIME_LIMIT_MS, `decoding ${bytes.length} bytes took ${ms} ms`);
}

test('random bytes: only ContentError, bounded time', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodesSafely), { numRuns: 3000 });
});

test('random bytes after a valid prefix: only ContentError, bounded time', () => {
  const prefix = fc.constantFrom(...vectors).chain((v) => fc.nat(v.length).map((n) => v.subarray(0, n)));
  fc.assert(
    fc.property(prefix, fc.uint8Array({ maxLength: 200 }), (p, tail) =>
      decodesSafely(new Uint8Array([...p, ...tail])),
    ),
    { numRuns: 2000 },
  );
});

test('mutated vectors: only ContentError, and whatever is accepted re-encodes identically', () => {
  const mutation = fc.record({
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
    kind: fc.constantFrom('set', 'insert', 'delete'),
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...vectors),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (v, mutations) => {
        const b = [...v];
        for (const { at, byte, kind } of mutations) {
          const i = at % (b.length + 1);
          if (kind === 'set') b[i] = byte;
          else if (kind === 'insert') b.splice(i, 0, byte);
          else b.splice(i, 1);
        }
        decodesSafely(new Uint8Array(b));
      },
    ),
    { numRuns: 3000 },
  );
});

test('a 1 MiB random input is handled in bounded time', () => {
  const big = new Uint8Array(1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  for (const first of [0x87, 0x9f, 0x5a, 0x81]) {
    big[0] = first;
    decodesSafely(big);
  }
});

// Arbitraries in canonical form: what decodeContent returns for the bytes encodeContent makes of them.
const text = fc.string({ unit: 'binary', maxLength: 24 });
const bytes = (maxLength = 24) => fc.uint8Array({ maxLength });
const safeInt = fc.maxSafeInteger();
const bigInt = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: -(2n ** 64n), max: -(2n ** 53n) }),
);

const leaf: fc.Arbitrary<CborValue> = fc.oneof(
  safeInt,
  bigInt,
  text,
  bytes(),
  fc.constantFrom(true, false, null, undefined),
  fc.double().map((d) => new CborFloat(d)),
  fc.oneof(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 32, max: 255 })).map((n) => new CborSimple(n)),
);

const mapKey: fc.Arbitrary<CborValue> = fc.oneof(safeInt, text, bytes(8));
const keyId = (k: CborValue) => hex(encodeCbor(k));

/** CBOR values with at most `levels` levels of containers. */
function cborValue(levels: number): fc.Arbitrary<CborValue> {
  if (levels === 0) return leaf;
  const inner = cborValue(levels - 1);
  const tagNumber = fc.oneof(
    fc.integer({ min: 4, max: 2 ** 40 }),
    fc.constantFrom(0, 1, 32),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
  );
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc
        .uniqueArray(fc.tuple(mapKey, inner), { maxLength: 4, selector: ([k]) => keyId(k) })
        .map((e) => new Map(e)),
    },
    { weight: 1, arbitrary: fc.tuple(tagNumber, inner).map(([t, v]) => new CborTag(t, v)) },
  );
}

const extensionKey: fc.Arbitrary<ExtensionKey> = fc.oneof(
  safeInt.filter((k) => k !== 1 && k !== 2),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
);

const extensions: fc.Arbitrary<Extensions> = fc.record(
  {
    senderUri: text,
    roomUri: text,
    other: fc
      .uniqueArray(fc.tuple(extensionKey, cborValue(3)), {
        minLength: 1,
        maxLength: 4,
        selector: ([k]) => keyId(k),
      })
      .map((e) => new Map(e)),
  },
  { requiredKeys: [], noNullPrototype: true },
);

/** fast-check may build records without a prototype; decoded messages are plain objects. */
const plain = { noNullPrototype: true } as const;
const header = { disposition: fc.integer({ min: 0, max: 255 }), language: text };

function nestedPart(depth: number): fc.Arbitrary<NestedPart> {
  const parts: fc.Arbitrary<NestedPart>[] = [
    fc.record({ cardinality: fc.constant('nullPart' as const), ...header }, plain),
    fc.record(
      { cardinality: fc.constant('single' as const), ...header, contentType: text, content: bytes(64) },
      plain,
    ),
    fc.record(
      {
        cardinality: fc.constant('external' as const),
        ...header,
        contentType: text,
        url: text,
        expires: fc.integer({ min: 0, max: 0xffffffff }),
        size: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        encAlg: fc.integer({ min: 0, max: 0xffff }),
        key: bytes(),
        nonce: bytes(),
        aad: bytes(),
        hashAlg: fc.integer({ min: 0, max: 255 }),
        contentHash: bytes(),
        description: text,
        filename: text,
      },
      plain,
    ),
  ];
  if (depth < 4) {
    const multi = fc.record(
      {
        cardinality: fc.constant('multi' as const),
        ...header,
        partSemantics: fc.constantFrom('chooseOne' as const, 'singleUnit' as const, 'processAll' as const),
        parts: fc.array(nestedPart(depth + 1), { minLength: 2, maxLength: 3 }),
      },
      plain,
    );
    parts.push(multi);
  }
  return fc.oneof(...parts);
}

const mimiContent: fc.Arbitrary<MimiContent> = fc.record(
  {
    salt: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    replaces: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null }),
    topicId: bytes(),
    expires: fc.option(
      fc.record({ relative: fc.boolean(), time: fc.integer({ min: 0, max: 0xffffffff }) }, plain),
      { nil: null },
    ),
    inReplyTo: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null }),
    extensions,
    nestedPart: nestedPart(1),
  },
  plain,
);

test('random valid messages: encode then decode gives the same message and the same bytes', () => {
  fc.assert(
    fc.property(mimiContent, (msg) => {
      const encoded = encodeContent(msg);
      const decoded = decodeContent(encoded);
      assert.deepStrictEqual(decoded, msg);
      assert.equal(hex(encodeContent(decoded)), hex(encoded));
    }),
    { numRuns: 500 },
  );
});

test('random CBOR values: the generic codec round-trips them exactly', () => {
  fc.assert(
    fc.property(cborValue(6), (v) => {
      const encoded = encodeCbor(v);
      assert.deepStrictEqual(decodeCbor(encoded), v);
      assert.equal(hex(encodeCbor(decodeCbor(encoded))), hex(encoded));
    }),
    { numRuns: 1000 },
  );
});
