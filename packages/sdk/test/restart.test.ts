// A device keeps everything in its SQLite store: closed and reopened, it catches up on what it missed and goes on
// sending in the same group.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ParleyClient } from '../src/client/client.js';
import { nodeEnvironment, SqliteStore } from '../src/node/index.js';
import { errors, eventually, network, sees } from './support.js';

test('alice closes her client, bob writes, alice reopens her SQLite store and reads on', async (t) => {
  const net = await network(t);
  const dir = mkdtempSync(join(tmpdir(), 'parley-sdk-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'alice.db');
  const firstStore = SqliteStore.open(path);
  const alice = await net.register('alice', { store: firstStore });
  const bob = await net.register('bob');

  const room = await alice.client.createRoom({ kind: 'direct', members: ['bob'] });
  await sees(bob, 'joined');
  const first = await alice.client.send(room.id, 'see you later');
  await sees(bob, 'message', (e) => e.id === first.id);
  await alice.client.close();
  await firstStore.close();

  const missed = await bob.client.reply(first.id, 'bye for now');
  await bob.client.send(room.id, 'and one more');

  const store = SqliteStore.open(path);
  const again = new ParleyClient({ store, ...(await nodeEnvironment()), deviceCheckIntervalMs: 0 });
  try {
    const seen: string[] = [];
    again.on('message', (e) => seen.push(e.text));
    assert.equal(await again.resume(), true);
    await again.start();
    await eventually('alice read what she missed', () => seen.length === 2);
    assert.deepEqual(seen, ['bye for now', 'and one more']);
    const history = await again.history(room.id);
    assert.deepEqual(
      history.map((h) => h.text),
      ['see you later', 'bye for now', 'and one more'],
    );
    assert.equal(history[1]?.id, missed.id);
    const back = await again.send(room.id, 'back again');
    await sees(bob, 'message', (e) => e.id === back.id);
    assert.deepEqual(errors(bob), []);
  } finally {
    await again.close();
    await store.close();
  }
});
