// The MIMI content codec on constructed messages: a round trip for every part cardinality and every field, and
// the exact ContentError code for each kind of bad input or bad message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeCbor } from '../src/content/cborEncode.js';
import {
  CborFloat,
  CborSimple,
  CborTag,
  type CborValue,
  ContentError,
  type ContentErrorCode,
  Dispositions,
  decodeContent,
  encodeContent,
  type MimiContent,
  messageId,
  type NestedPart,
} from '../src/content/index.js';

const enc = new TextEncoder();
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));

const single = (text: string, language = ''): NestedPart => ({
  cardinality: 'single',
  disposition: Dispositions.render,
  language,
  contentType: 'text/plain;charset=utf-8',
  content: enc.encode(text),
});

const message = (nestedPart: NestedPart, extra: Partial<MimiContent> = {}): MimiContent => ({
  salt: fill(16, 7),
  replaces: null,
  topicId: new Uint8Array(0),
  expires: null,
  inReplyTo: null,
  extensions: { senderUri: 'mimi://example.com/u/alice', roomUri: 'mimi://example.com/r/team' },
  nestedPart,
  ...extra,
});

function roundTrip(msg: MimiContent): Uint8Array {
  const bytes = encodeContent(msg);
  assert.deepEqual(decodeContent(bytes), msg);
  assert.deepEqual(encodeContent(decodeContent(bytes)), bytes);
  return bytes;
}

function throwsCode(fn: () => unknown, code: ContentErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ContentError, `not a ContentError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('round trips of constructed messages', () => {
  test('null part (a delete), with replaces and inReplyTo', () => {
    roundTrip(
      message(
        { cardinality: 'nullPart', disposition: Dispositions.render, language: '' },
        {
          replaces: fill(32, 1),
          inReplyTo: fill(32, 2),
        },
      ),
    );
  });

  test('single part, with topic, relative expiry and an unknown disposition', () => {
    roundTrip(
      message(
        { ...single('héllo ❤', 'en,fr'), disposition: 200 },
        {
          topicId: enc.encode('Foo 118'),
          expires: { relative: true, time: 0xffffffff },
        },
      ),
    );
  });

  test('external part with every field at its limits', () => {
    roundTrip(
      message({
        cardinality: 'external',
        disposition: Dispositions.attachment,
        language: 'en',
        contentType: 'video/mp4',
        url: 'https://example.com/storage/x.mp4',
        expires: 0xffffffff,
        size: 2n ** 64n - 1n,
        encAlg: 0xffff,
        key: fill(16, 3),
        nonce: fill(12, 4),
        aad: enc.encode('aad'),
        hashAlg: 255,
        contentHash: fill(32, 5),
        description: 'a video',
        filename: 'x.mp4',
      }),
    );
  });

  test('multipart with each semantics, nested to the 4-level limit', () => {
    for (const partSemantics of ['chooseOne', 'singleUnit', 'processAll'] as const) {
      let part: NestedPart = single('leaf');
      for (let level = 0; level < 3; level++) {
        part = {
          cardinality: 'multi',
          disposition: 1,
          language: '',
          partSemantics,
          parts: [part, single(`${level}`)],
        };
      }
      roundTrip(message(part));
    }
  });

  test('extensions: no URIs, private keys, and values up to 4 levels deep (the draft’s own example)', () => {
    roundTrip(message(single('x'), { extensions: {} }));
    const other = new Map<number | string, CborValue>([
      [
        256,
        [
          [hex('1234'), new CborTag(32, 'http://example.com')],
          [hex('3456'), 5771],
        ],
      ],
      [
        -5,
        new Map<CborValue, CborValue>([
          [hex('00'), 1],
          ['k', -(2n ** 64n)],
          [-1, undefined],
        ]),
      ],
      [
        'x-vendor',
        [
          new CborFloat(1),
          new CborFloat(-0),
          new CborFloat(Number.NaN),
          new CborFloat(0.1),
          new CborSimple(99),
        ],
      ],
      [Number.MAX_SAFE_INTEGER, new CborTag(2n ** 64n - 1n, 2n ** 64n - 1n)],
    ]);
    const bytes = roundTrip(
      message(single('x'), { extensions: { senderUri: 'mimi://a.example/u/alice', other } }),
    );
    // Keys are sorted by their encoded bytes: 1, 0x19 0100 (256), 0x1b.. (2^53-1), 0x24 (-5), then the text key.
    const decoded = decodeContent(bytes);
    assert.deepEqual(
      [...(decoded.extensions.other?.keys() ?? [])],
      [256, Number.MAX_SAFE_INTEGER, -5, 'x-vendor'],
    );
  });

  test('the message ID depends on sender, room and every byte', async () => {
    const bytes = encodeContent(message(single('x')));
    const id = await messageId('mimi://a/u/1', 'mimi://a/r/1', bytes);
    assert.equal(id.length, 32);
    assert.equal(id[0], 1);
    assert.notDeepEqual(await messageId('mimi://a/u/2', 'mimi://a/r/1', bytes), id);
    assert.notDeepEqual(await messageId('mimi://a/u/1', 'mimi://a/r/2', bytes), id);
    // Moving a byte between sender and room must change the ID: that is what the length prefixes are for.
    assert.notDeepEqual(
      await messageId('mimi://a/u/1m', 'imi://a/r/1', bytes),
      await messageId('mimi://a/u/1', 'mimi://a/r/1', bytes),
    );
    await assert.rejects(
      messageId('s', 'r', bytes, fill(15, 0)),
      (e) => e instanceof ContentError && e.code === 'invalid',
    );
    await assert.rejects(
      messageId('s', 'r', hex('00')),
      (e) => e instanceof ContentError && e.code === 'malformed',
    );
    await assert.rejects(
      messageId('x'.repeat(65536), 'r', bytes),
      (e) => e instanceof ContentError && e.code === 'invalid',
    );
  });
});

// A minimal valid message: salt 0x07.., null, h'', null, null, {}, [1, "", 0]
const SALT = `50${'07'.repeat(16)}`;
const valid = (ext = 'a0', part = '83016000') => hex(`87 ${SALT} f6 40 f6 f6 ${ext} ${part}`);
const deepPart = (levels: number): CborValue =>
  levels === 1 ? [1, '', 0] : [1, '', 3, 0, [deepPart(levels - 1), [1, '', 0]]];
const raw = (part: CborValue, ext: CborValue = new Map()) =>
  encodeCbor([fill(16, 7), null, new Uint8Array(0), null, null, ext, part]);

describe('decodeContent rejects bad input with the right code', () => {
  const cases: [string, Uint8Array, ContentErrorCode][] = [
    ['empty input', new Uint8Array(0), 'malformed'],
    ['trailing bytes', hex(`${Buffer.from(valid()).toString('hex')}00`), 'malformed'],
    ['truncated', valid().subarray(0, 20), 'malformed'],
    ['indefinite-length array', hex(`9f ${SALT} f6 40 f6 f6 a0 83016000 ff`), 'nonDeterministic'],
    ['indefinite-length text', valid('a0', '83 01 7f ff 00'), 'nonDeterministic'],
    ['over-long integer', valid('a0', '83 1801 60 00'), 'nonDeterministic'],
    ['over-long length', hex(`87 5810${'07'.repeat(16)} f6 40 f6 f6 a0 83016000`), 'nonDeterministic'],
    ['unsorted map keys', valid('a2 02 6178 01 6179'), 'nonDeterministic'],
    ['duplicate map keys', valid('a2 01 6178 01 6179'), 'malformed'],
    ['senderUri not text', valid('a1 01 05'), 'malformed'],
    ['empty text extension key', valid('a1 60 00'), 'malformed'],
    ['float extension key', valid('a1 f93c00 00'), 'malformed'],
    ['float map key inside an extension', valid('a1 03 a1 f93c00 00'), 'malformed'],
    ['integer key beyond 2^53-1', valid('a1 1b0020000000000000 00'), 'malformed'],
    ['float not in shortest form', valid('a1 03 fa3f800000'), 'nonDeterministic'],
    ['NaN with a payload', valid('a1 03 f97e01'), 'nonDeterministic'],
    ['bignum that fits 64 bits', valid('a1 03 c2 41 01'), 'nonDeterministic'],
    ['two-byte simple value below 32', valid('a1 03 f8 10'), 'malformed'],
    ['reserved additional information', valid('a1 03 1c'), 'malformed'],
    ['lone break', valid('a1 03 ff'), 'malformed'],
    ['invalid UTF-8', valid('a0', '83 01 61ff 00'), 'malformed'],
    ['salt of 15 bytes', hex(`87 4f${'07'.repeat(15)} f6 40 f6 f6 a0 83016000`), 'malformed'],
    ['replaces of 31 bytes', hex(`87 ${SALT} 581f${'01'.repeat(31)} 40 f6 f6 a0 83016000`), 'malformed'],
    ['six fields', hex(`86 ${SALT} f6 40 f6 f6 a0`), 'malformed'],
    ['expires with a negative time', hex(`87 ${SALT} f6 40 82f420 f6 a0 83016000`), 'malformed'],
    ['expires time over 32 bits', hex(`87 ${SALT} f6 40 82f41b0000000100000000 f6 a0 83016000`), 'malformed'],
    ['disposition 256', valid('a0', '83 190100 60 00'), 'malformed'],
    ['unknown cardinality', valid('a0', '83 01 60 04'), 'unsupported'],
    ['unknown part semantics', valid('a0', '85 01 60 03 03 82 83016000 83016000'), 'unsupported'],
    ['multipart with one part', valid('a0', '85 01 60 03 00 81 83016000'), 'malformed'],
    ['single part without content', valid('a0', '84 01 60 01 60'), 'malformed'],
    ['parts 5 levels deep', raw(deepPart(5)), 'tooDeep'],
    ['extension 5 levels deep', raw([1, '', 0], new Map([[3, [[[[1]]]]]])), 'tooDeep'],
    ['CBOR nested 100 000 deep', fill(100_000, 0x81), 'tooDeep'],
    ['byte string claiming 2^64-1 bytes', hex('5b ffffffffffffffff'), 'malformed'],
    ['array claiming 2^32 elements', hex('9b 0000000100000000'), 'malformed'],
    ['more than 1 MiB', new Uint8Array(1024 * 1024 + 1), 'tooLarge'],
  ];
  for (const [name, bytes, code] of cases) test(name, () => throwsCode(() => decodeContent(bytes), code));

  test('limits: depth 4 and maxBytes are accepted exactly at the limit', () => {
    decodeContent(raw(deepPart(4)));
    decodeContent(raw([1, '', 0], new Map([[3, [[[1]]]]])));
    const bytes = valid();
    decodeContent(bytes, { maxBytes: bytes.length });
    throwsCode(() => decodeContent(bytes, { maxBytes: bytes.length - 1 }), 'tooLarge');
  });

  test('non-Uint8Array input', () =>
    throwsCode(() => decodeContent('x' as unknown as Uint8Array), 'invalid'));
});

describe('encodeContent rejects messages outside the schema', () => {
  const ok = message(single('x'));
  const cases: [string, MimiContent, ContentErrorCode][] = [
    ['salt of 15 bytes', { ...ok, salt: fill(15, 0) }, 'invalid'],
    ['inReplyTo of 33 bytes', { ...ok, inReplyTo: fill(33, 0) }, 'invalid'],
    ['expires time over 32 bits', { ...ok, expires: { relative: false, time: 2 ** 32 } }, 'invalid'],
    ['disposition 256', { ...ok, nestedPart: { ...single('x'), disposition: 256 } }, 'invalid'],
    ['lone surrogate', { ...ok, nestedPart: single('x', '\ud800') }, 'invalid'],
    [
      'multipart with one part',
      {
        ...ok,
        nestedPart: {
          cardinality: 'multi',
          disposition: 1,
          language: '',
          partSemantics: 'chooseOne',
          parts: [single('x')],
        },
      },
      'invalid',
    ],
    [
      'unknown cardinality',
      { ...ok, nestedPart: { ...single('x'), cardinality: 'many' } as unknown as NestedPart },
      'invalid',
    ],
    ['key 1 under other', { ...ok, extensions: { other: new Map([[1, 'x']]) } }, 'invalid'],
    ['empty text key', { ...ok, extensions: { other: new Map([['', 'x']]) } }, 'invalid'],
    ['256-octet text key', { ...ok, extensions: { other: new Map([['k'.repeat(256), 'x']]) } }, 'invalid'],
    ['a float as a plain number', { ...ok, extensions: { other: new Map([[3, 1.5]]) } }, 'invalid'],
    [
      'duplicate byte-string map keys',
      {
        ...ok,
        extensions: {
          other: new Map([
            [
              3,
              new Map([
                [hex('01'), 1],
                [hex('01'), 2],
              ]),
            ],
          ]),
        },
      },
      'invalid',
    ],
    ['extension 5 levels deep', { ...ok, extensions: { other: new Map([[3, [[[[1]]]]]]) } }, 'tooDeep'],
    [
      'parts 5 levels deep',
      {
        ...ok,
        nestedPart: [1, 2, 3, 4].reduce<NestedPart>(
          (p) => ({
            cardinality: 'multi',
            disposition: 1,
            language: '',
            partSemantics: 'processAll',
            parts: [p, single('y')],
          }),
          single('x'),
        ),
      },
      'tooDeep',
    ],
  ];
  for (const [name, msg, code] of cases) test(name, () => throwsCode(() => encodeContent(msg), code));

  test('a cyclic extension value', () => {
    const cyclic: CborValue[] = [];
    cyclic.push(cyclic);
    throwsCode(() => encodeContent({ ...ok, extensions: { other: new Map([[3, cyclic]]) } }), 'tooDeep');
  });
});
