// The content mapping without a server: every intent survives the MIMI codec, the draft's own examples read as
// the intents they are, receipts decode only in their exact shape, and the history fold keeps authorship.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeContent, encodeContent } from '@parley/protocol';
import { vectorsDir } from '@parley/testing';
import fc from 'fast-check';
import { foldHistory } from '../src/content/history.js';
import { fromContent, type Intent, MARKDOWN, toContent } from '../src/content/mapping.js';
import { decodeStatusReport, encodeStatusReport } from '../src/content/status.js';
import type { MessageRecord } from '../src/store/types.js';

const names = { senderUri: 'mimi://a.localhost/u/alice', roomUri: 'mimi://a.localhost/r/abcdefghijklmnop' };
const id = (n: number) => `01${n.toString(16).padStart(2, '0').repeat(31)}`;

const intents: Intent[] = [
  { type: 'message', text: 'hello **bob** ❤' },
  { type: 'message', text: 'a reply', replyTo: id(1) },
  { type: 'reaction', target: id(1), reaction: '👍' },
  { type: 'edit', target: id(2), text: 'better words', replyTo: id(1) },
  { type: 'delete', target: id(2) },
  { type: 'delete', target: id(3), reaction: true },
  { type: 'receipt', status: 'read', messages: [id(1), id(2)], timestamp: 1_700_000_000_123 },
  { type: 'typing', typing: true },
  { type: 'typing', typing: false },
  { type: 'roomInfo', name: 'Team' },
];

for (const intent of intents) {
  test(`a ${intent.type} survives encode and decode: ${JSON.stringify(intent)}`, () => {
    const content = toContent(intent, names);
    assert.equal(content.extensions.senderUri, names.senderUri);
    assert.equal(content.extensions.roomUri, names.roomUri);
    const back = fromContent(decodeContent(encodeContent(content)));
    assert.deepEqual(back, intent);
  });
}

test('messages are Markdown single parts; salts differ', () => {
  const a = toContent({ type: 'message', text: 'x' }, names);
  const b = toContent({ type: 'message', text: 'x' }, names);
  assert.equal(a.nestedPart.cardinality === 'single' && a.nestedPart.contentType, MARKDOWN);
  assert.notDeepEqual(a.salt, b.salt);
});

const vector = (name: string) =>
  fromContent(decodeContent(new Uint8Array(readFileSync(join(vectorsDir('mimi-content'), `${name}.cbor`)))));
const ORIGINAL = '017ce54837404c3696e0c747b985cb172716d0ed0a3d249ca63ace7d82a096f4';
const REPLY = '015354973c2b65ca937bf1e035ae53a5ab80e947afa43d46920d4202e5cc0b27';
const REACTION = '0158c4288911e50a8f6be3f47746b6682f10fd91bc8c05557aa589a3157aff68';

test("the draft's examples read as the intents they stand for", () => {
  assert.deepEqual(vector('original'), {
    type: 'message',
    text: 'Hi everyone, we just shipped release 2.0. __Good  work__!',
  });
  assert.deepEqual(vector('reply'), {
    type: 'message',
    text: "Right on! _Congratulations_ 'all!",
    replyTo: ORIGINAL,
  });
  assert.deepEqual(vector('reaction'), { type: 'reaction', target: ORIGINAL, reaction: '❤' });
  assert.deepEqual(vector('edit'), {
    type: 'edit',
    target: REPLY,
    text: "Right on! _Congratulations_ y'all!",
    replyTo: ORIGINAL,
  });
  assert.deepEqual(vector('delete'), { type: 'delete', target: REPLY });
  assert.deepEqual(vector('unlike'), { type: 'delete', target: REACTION, reaction: true });
  // A multipart message shows its first text alternative.
  assert.equal(vector('multipart-1')?.type, 'message');
});

test('status reports: exact shape only; random bytes never throw', () => {
  const report = {
    timestamp: 2 ** 40 + 5,
    statuses: [{ messageId: new Uint8Array(32).fill(7), status: 'delivered' as const }],
  };
  assert.deepEqual(decodeStatusReport(encodeStatusReport(report)), report);
  const bytes = encodeStatusReport(report);
  assert.equal(decodeStatusReport(bytes.subarray(0, bytes.length - 1)), undefined);
  assert.equal(decodeStatusReport(new Uint8Array([...bytes, 0])), undefined);
  assert.equal(decodeStatusReport(new Uint8Array([0x82, 0x18, 0x05, 0x80])), undefined); // non-minimal, empty
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (random) => {
      decodeStatusReport(random);
    }),
  );
  fc.assert(
    fc.property(
      fc.nat(),
      fc.array(
        fc.tuple(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.constantFrom('unread', 'read', 'error' as const),
        ),
        {
          minLength: 1,
          maxLength: 20,
        },
      ),
      (timestamp, list) => {
        const r = { timestamp, statuses: list.map(([messageId, status]) => ({ messageId, status })) };
        assert.deepEqual(decodeStatusReport(encodeStatusReport(r)), r);
      },
    ),
  );
});

test('the history fold: only the sender edits or deletes; reactions come and go', () => {
  const at = (
    seq: number,
    sender: string,
    rest: Partial<MessageRecord> & Pick<MessageRecord, 'type'>,
  ): MessageRecord => ({
    id: id(seq),
    room: 'r',
    seq,
    ts: seq * 1000,
    sender,
    device: 'd',
    ...rest,
  });
  const history = foldHistory([
    at(5, 'mallory@a', { type: 'edit', target: id(1), text: 'forged' }),
    at(1, 'alice@a', { type: 'message', text: 'hi' }),
    at(2, 'bob@a', { type: 'message', text: 'yo', replyTo: id(1) }),
    at(3, 'bob@a', { type: 'reaction', target: id(1), reaction: '👍' }),
    at(4, 'alice@a', { type: 'reaction', target: id(1), reaction: '🎉' }),
    at(6, 'alice@a', { type: 'edit', target: id(1), text: 'hello' }),
    at(7, 'alice@a', { type: 'delete', target: id(3) }), // not her reaction
    at(8, 'bob@a', { type: 'delete', target: id(3) }),
    at(9, 'mallory@a', { type: 'delete', target: id(2) }),
    at(10, 'bob@a', { type: 'delete', target: id(2) }),
  ]);
  assert.deepEqual(
    history.map((h) => [h.sender, h.text, h.edited, h.deleted, h.reactions.map((r) => r.reaction)]),
    [
      ['alice@a', 'hello', true, false, ['🎉']],
      ['bob@a', '', false, true, []],
    ],
  );
  assert.equal(history[1]?.replyTo, id(1));
});

test('the history fold puts queued messages (seq 0) after the sequenced ones, in the order sent', () => {
  const record = (n: number, seq: number, ts: number, rest: Partial<MessageRecord> = {}): MessageRecord => ({
    id: id(n),
    room: 'r',
    seq,
    ts,
    sender: 'alice@a',
    device: 'd',
    type: 'message',
    text: `m${n}`,
    ...rest,
  });
  const history = foldHistory([
    record(1, 0, 5_000, { queued: 'aa' }),
    record(2, 7, 9_000),
    record(3, 0, 6_000, { queued: 'bb' }),
    record(4, 0, 7_000, { type: 'edit', target: id(3), text: 'm3, edited', queued: 'cc' }),
    record(5, 3, 1_000),
  ]);
  assert.deepEqual(
    history.map((h) => [h.text, h.seq]),
    [
      ['m5', 3],
      ['m2', 7],
      ['m1', 0],
      ['m3, edited', 0],
    ],
  );
});
