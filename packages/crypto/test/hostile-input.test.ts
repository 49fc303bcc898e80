// Property tests on processMessage: garbage and mangled real messages only ever yield a CryptoError, quickly,
// and leave the receiver's state as it was.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  CryptoError,
  encodeState,
  encryptApplication,
  ownLeafIndex,
  processMessage,
  proposeRemove,
  selfUpdate,
} from '../src/index.ts';
import { loadNodeSuite } from '../src/node.ts';
import { type Member, say, startGroup, utf8, world } from './fixtures.ts';

const w = await world(await loadNodeSuite());
const [alice, bob] = (await startGroup({ ctx: w.ctx, device: await w.device(w.alice) }, [
  { ctx: w.ctx, device: await w.device(w.bob) },
])) as [Member, Member];
const samples = [
  (await encryptApplication(w.ctx, alice.state, utf8('a real message'))).message,
  (await selfUpdate(w.ctx, alice.state)).commit,
  (await proposeRemove(w.ctx, alice.state, ownLeafIndex(bob.state))).proposal,
];
const bobBefore = encodeState(bob.state);

describe('processMessage on hostile input', () => {
  /** Feeds bytes to bob: only a CryptoError may come out, within a second, and bob's state is untouched. */
  async function feed(bytes: Uint8Array): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('processMessage hung')), 1000);
    });
    try {
      await Promise.race([processMessage(w.ctx, bob.state, bytes), hang]);
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  test('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), feed), { numRuns: 400 });
  });

  test('random bodies behind a valid MLS header (public and private message)', async () => {
    const header = fc.constantFrom(new Uint8Array([0, 1, 0, 1]), new Uint8Array([0, 1, 0, 2]));
    await fc.assert(
      fc.asyncProperty(header, fc.uint8Array({ maxLength: 1024 }), (h, body) =>
        feed(new Uint8Array([...h, ...body])),
      ),
      { numRuns: 400 },
    );
  });

  test('real messages with a few bytes flipped, truncated or extended', async () => {
    const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...samples),
        flips,
        fc.integer({ min: -8, max: 8 }),
        (sample, f, resize) => {
          const bytes = new Uint8Array(Math.max(1, sample.length + resize));
          bytes.set(sample.subarray(0, bytes.length));
          for (const [at, x] of f) bytes[at % bytes.length] = (bytes[at % bytes.length] ?? 0) ^ x;
          return feed(bytes);
        },
      ),
      { numRuns: 600 },
    );
    assert.deepEqual(encodeState(bob.state), bobBefore);
    // and bob still works
    await say(alice, 'after the noise', [bob]);
  });
});
