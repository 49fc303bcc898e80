// close() waits for work under way, but not for ever: a store that stops answering mid-send (a hung IndexedDB,
// a disk gone away) holds the room's lock, and close() must still return after `closeWaitMs`, say that it left
// work behind, and leave the client closed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClientEvent, MemoryStore, ParleyClient, SdkError } from '@parley/sdk';
import { nodeEnvironment } from '@parley/sdk/node';
import { within } from '@parley/testing';
import type { StoreBatch } from '../src/store/types.js';
import { eventually, network, PASSWORD } from './support.js';

/** A store whose writes hang while `held`, until `release()`. */
class HangingStore extends MemoryStore {
  held = false;
  hung = 0;
  private readonly waiting: (() => void)[] = [];

  override async write(batch: StoreBatch): Promise<void> {
    if (this.held) {
      this.hung += 1;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return super.write(batch);
  }

  release(): void {
    this.held = false;
    for (const go of this.waiting.splice(0)) go();
  }
}

describe('closing a client', () => {
  it('returns after closeWaitMs when a send is stuck in the store, and says so', async (t) => {
    const net = await network(t);
    await net.register('bob');
    const store = new HangingStore();
    const alice = new ParleyClient({
      store,
      ...(await nodeEnvironment()),
      deviceCheckIntervalMs: 0,
      closeWaitMs: 300,
    });
    const events: ClientEvent[] = [];
    alice.on('*', (e) => events.push(e));
    await alice.register({ server: net.url, handle: 'alice', password: PASSWORD, deviceName: 'alice-1' });
    await alice.start();
    const room = await alice.createRoom({ kind: 'direct', members: ['bob@a.localhost'] });
    try {
      store.held = true;
      const stuck = alice.send(room.id, 'never stored').catch((e: unknown) => e);
      await eventually('the send is stuck in the store', () => store.hung > 0);
      const started = Date.now();
      await within('close', 10_000, alice.close());
      const took = Date.now() - started;
      assert.ok(took >= 250, `close waited ${took} ms for the work under way`);
      const said = events.find((e) => e.type === 'error');
      assert.ok(
        said && said.type === 'error' && said.error instanceof SdkError && said.error.code === 'closed',
      );
      await assert.rejects(
        async () => alice.createRoom({ kind: 'direct', members: ['carol@x.localhost'] }),
        SdkError,
      );
      store.release();
      await within('the stuck send settles once the store answers', 10_000, stuck);
    } finally {
      store.release();
      await alice.close();
    }
  });

  it('returns at once when nothing is under way', async (t) => {
    const net = await network(t);
    const alice = new ParleyClient({
      store: new MemoryStore(),
      ...(await nodeEnvironment()),
      deviceCheckIntervalMs: 0,
    });
    const events: ClientEvent[] = [];
    alice.on('*', (e) => events.push(e));
    await alice.register({ server: net.url, handle: 'alice', password: PASSWORD, deviceName: 'alice-1' });
    await alice.start();
    await within('close', 5_000, alice.close());
    assert.deepEqual(
      events.filter((e) => e.type === 'error'),
      [],
    );
  });
});
