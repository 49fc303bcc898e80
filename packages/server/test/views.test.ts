// The stream's `message` frame is written out by hand (views.ts, messageFrame) rather than by JSON.stringify of
// the view: it must be the same JSON for any message, including strings that need escaping (quotes,
// backslashes, control characters, lone surrogates), sequences and times up to the largest safe integer, and
// payloads of any bytes and length.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageView } from '@parley/protocol';
import fc from 'fast-check';
import { Value } from 'typebox/value';
import { messageFrame, messageView } from '../src/delivery/views.js';
import type { StoredMessage } from '../src/storage/types.js';
import { RUNS } from './fuzzing.js';

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '"', '\\', '\u0000', '\u2028', '\ud800', 'alice', 'bob@b.localhost', '</script>'),
);

const stored = fc.record({
  room: text,
  seq: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  kind: fc.constantFrom('application', 'commit', 'proposal', 'welcome') as fc.Arbitrary<
    StoredMessage['kind']
  >,
  sender: text,
  device: text,
  ts: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
  payload: fc.uint8Array({ maxLength: 600 }),
  offset: fc.nat({ max: 16 }),
});

describe('the stream’s message frame', () => {
  it('is the JSON of the message view, for any message', () => {
    fc.assert(
      fc.property(stored, fc.constantFrom('a.localhost', 'b.localhost'), (m, domain) => {
        // A payload that is a view into a larger buffer, as rows read from the database are.
        const backing = new Uint8Array(m.offset + m.payload.length + 3);
        backing.set(m.payload, m.offset);
        const message = {
          ...m,
          payload: backing.subarray(m.offset, m.offset + m.payload.length),
          toDevice: null,
        } as unknown as StoredMessage;
        const frame = messageFrame(domain, message);
        const view = messageView(domain, message);
        assert.deepEqual(JSON.parse(frame), { type: 'message', ...view });
        assert.equal(frame, JSON.stringify({ type: 'message', ...view }));
        assert.ok(Value.Check(MessageView, view));
        assert.deepEqual(new Uint8Array(Buffer.from(view.payload, 'base64')), m.payload);
      }),
      { numRuns: RUNS * 10 },
    );
  });
});
