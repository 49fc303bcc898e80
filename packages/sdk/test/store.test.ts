// One suite, every Store: what goes in comes out (bytes intact, copies not aliases), positions never move back,
// a failing batch writes nothing, and the SQLite file keeps it all across a reopen.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SqliteStore } from '../src/node/sqliteStore.js';
import { MemoryStore } from '../src/store/memory.js';
import type {
  AccountRecord,
  KeyPackageRecord,
  MessageRecord,
  RoomRecord,
  Store,
} from '../src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sdk-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

const account: AccountRecord = {
  server: 'http://127.0.0.1:7101',
  user: 'alice@a.localhost',
  deviceId: 'abcdefghijklmnopqrstuvwxyz',
  token: 'secret-token',
  identity: { publicKey: bytes(32, 1), privateKey: bytes(32, 2) },
  deviceKey: { publicKey: bytes(32, 3), privateKey: bytes(32, 4) },
  credential: bytes(140, 5),
};
const room: RoomRecord = {
  id: 'roomroomroomroom',
  uri: 'mimi://a.localhost/r/roomroomroomroom',
  kind: 'group',
  name: 'Team ❤',
  members: ['alice@a.localhost', 'bob@a.localhost'],
  active: true,
};
const keyPackage: KeyPackageRecord = {
  ref: 'aa'.repeat(32),
  keyPackage: bytes(300, 6),
  initPrivateKey: bytes(32, 7),
  hpkePrivateKey: bytes(32, 8),
  signaturePrivateKey: bytes(32, 9),
  lastResort: false,
  createdAt: 1_700_000_000_000,
};
const message = (seq: number, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  id: seq.toString(16).padStart(64, '0'),
  room: room.id,
  seq,
  ts: 1_700_000_000_000 + seq,
  sender: 'bob@a.localhost',
  device: 'bobphonebobphone',
  type: 'message',
  text: `message ${seq}`,
  ...extra,
});

const backends: { name: string; open: () => Store; reopen?: (old: Store) => Promise<Store> }[] = [
  { name: 'MemoryStore', open: () => new MemoryStore() },
  {
    name: 'SqliteStore',
    open: () => SqliteStore.open(join(dir, `${Math.random().toString(36).slice(2)}.db`)),
  },
];

for (const backend of backends) {
  describe(backend.name, () => {
    test('round trip of every record kind', async () => {
      const store = backend.open();
      assert.equal(await store.account(), undefined);
      assert.deepEqual(await store.rooms(), []);
      await store.write({
        account,
        rooms: [room],
        groups: [{ room: room.id, state: bytes(2000, 10) }],
        positions: [{ room: room.id, seq: 7 }],
        keyPackages: [keyPackage],
        messages: [
          message(3, { replyTo: 'ff'.repeat(32) }),
          message(1),
          message(2, { type: 'reaction', target: '01', reaction: '👍', text: undefined }),
        ],
        identityKeys: [{ userUri: 'mimi://a.localhost/u/bob', key: bytes(32, 11) }],
      });
      assert.deepEqual(await store.account(), account);
      assert.deepEqual(await store.room(room.id), room);
      assert.deepEqual(await store.rooms(), [room]);
      assert.deepEqual(await store.group(room.id), bytes(2000, 10));
      assert.deepEqual(await store.positions(), { [room.id]: 7 });
      assert.deepEqual(await store.keyPackage(keyPackage.ref), keyPackage);
      assert.deepEqual(
        (await store.messages(room.id)).map((m) => m.seq),
        [1, 2, 3],
      );
      const reaction = await store.message(message(2).id);
      assert.equal(reaction?.reaction, '👍');
      assert.equal(reaction && 'text' in reaction && reaction.text !== undefined, false);
      assert.deepEqual(await store.message(message(3).id), message(3, { replyTo: 'ff'.repeat(32) }));
      assert.deepEqual(await store.identityKey('mimi://a.localhost/u/bob'), bytes(32, 11));
      assert.equal(await store.identityKey('mimi://a.localhost/u/nobody'), undefined);
      assert.ok((await store.group(room.id)) instanceof Uint8Array);
      await store.close();
    });

    test("queued lists a room's entries without a seq yet, and forgets one once its seq is set", async () => {
      const store = backend.open();
      const waiting = message(0, {
        id: 'cc'.repeat(32),
        sender: 'alice@a.localhost',
        queued: 'dd'.repeat(32),
      });
      await store.write({
        messages: [message(1), waiting, message(0, { id: 'ee'.repeat(32), room: 'other' })],
      });
      assert.deepEqual(await store.queued(room.id), [waiting]);
      assert.deepEqual(
        (await store.messages(room.id)).map((m) => m.id),
        [waiting.id, message(1).id],
      );
      const { queued: _, ...echoed } = waiting;
      await store.write({ messages: [{ ...echoed, seq: 2 }] });
      assert.deepEqual(await store.queued(room.id), []);
      assert.deepEqual(await store.message(waiting.id), { ...echoed, seq: 2 });
      await store.close();
    });

    test('positions only move forward; deletes delete; values are copies', async () => {
      const store = backend.open();
      await store.write({ positions: [{ room: 'r1', seq: 10 }] });
      await store.write({
        positions: [
          { room: 'r1', seq: 4 },
          { room: 'r2', seq: 1 },
        ],
      });
      assert.deepEqual(await store.positions(), { r1: 10, r2: 1 });
      await store.write({ keyPackages: [keyPackage], groups: [{ room: 'r1', state: bytes(10, 1) }] });
      await store.write({ deleteKeyPackages: [keyPackage.ref], groups: [{ room: 'r1', state: null }] });
      assert.equal(await store.keyPackage(keyPackage.ref), undefined);
      assert.equal(await store.group('r1'), undefined);

      const mine = structuredClone(room);
      await store.write({ rooms: [mine] });
      mine.members.push('mallory@a.localhost');
      const got = await store.room(room.id);
      assert.deepEqual(got, room);
      got?.members.push('eve@a.localhost');
      assert.deepEqual(await store.room(room.id), room);
      await store.close();
    });

    test('a batch that fails part way writes nothing', async () => {
      const store = backend.open();
      await store.write({ positions: [{ room: room.id, seq: 1 }] });
      // Neither structuredClone (the function) nor JSON (the bigint) can take this record.
      const poison = { ...message(9), bad: 1n, worse: () => 1 } as unknown as MessageRecord;
      await assert.rejects(
        store.write({
          rooms: [room],
          groups: [{ room: room.id, state: bytes(5, 5) }],
          positions: [{ room: room.id, seq: 9 }],
          messages: [message(8), poison],
        }),
      );
      assert.equal(await store.room(room.id), undefined);
      assert.equal(await store.group(room.id), undefined);
      assert.deepEqual(await store.positions(), { [room.id]: 1 });
      assert.deepEqual(await store.messages(room.id), []);
      await store.close();
    });
  });
}

test('SqliteStore keeps everything across a reopen of its file', async () => {
  const path = join(dir, 'reopen.db');
  const first = SqliteStore.open(path);
  await first.write({
    account,
    rooms: [room],
    groups: [{ room: room.id, state: bytes(64, 3) }],
    positions: [{ room: room.id, seq: 42 }],
  });
  await first.close();
  const second = SqliteStore.open(path);
  assert.deepEqual(await second.account(), account);
  assert.deepEqual(await second.room(room.id), room);
  assert.deepEqual(await second.group(room.id), bytes(64, 3));
  assert.deepEqual(await second.positions(), { [room.id]: 42 });
  await second.close();
});
