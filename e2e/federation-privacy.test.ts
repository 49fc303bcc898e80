/**
 * No central data pool: after users of a.localhost talked with bob@b.localhost (a direct chat with a reply, a
 * reaction and an edit, a named group, a room b hubs, a report), b's database holds about a's users only what
 * delivery needs — their addresses, device ids, ciphertext, consent state — and never plaintext, passwords or
 * their hashes, device names, tokens, identity keys, nor anything about an a user who never talked to b. Every
 * table and column of b's schema is classified below; a new one fails the test until it is.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryStore, ParleyClient } from '@parley/sdk';
import { nodeEnvironment } from '@parley/sdk/node';
import { openSqliteStorage } from '@parley/storage-sqlite';
import { type Backend, TestNetwork, tempDir } from '@parley/testing';
import BetterSqlite3 from 'better-sqlite3';
import { closeAll, type Device, eventually, sees } from '../packages/sdk/test/support.js';

const tag = randomBytes(6).toString('hex');
const WORDS = {
  message: `the heron flies at noon ${tag}`,
  reply: `noted, heron ${tag}`,
  reaction: '🦩🪼🫎',
  edit: `the heron flies at dusk ${tag}`,
  group: `lantern club ${tag}`,
  groupMessage: `bring the blue lantern ${tag}`,
  hubbedMessage: `erin, the ferry leaves early ${tag}`,
  hubbedReply: `thanks bob, see you on board ${tag}`,
};
const PASSWORDS = {
  alice: `alice passphrase ${tag}`,
  erin: `erin passphrase ${tag}`,
  zed: `zed words ${tag}`,
};
const DEVICE_NAMES = [
  `alice phone ${tag}`,
  `alice laptop ${tag}`,
  `erin tablet ${tag}`,
  `zed desktop ${tag}`,
];
/** An a user who never talks to anyone on b: b must hold nothing about them at all. */
const ZED = `zed${tag}`;

type Class = 'local' | 'remote' | 'none';
/**
 * b's schema: `tables: columns | class | reason`. `local` holds only b's own users and devices (checked below:
 * nothing of a's in it); `remote` may hold data about a's users, and the reason says why delivery needs it;
 * `none` is about nobody.
 */
const CLASSIFIED = `
users: handle password_hash identity_key | local | b's own accounts, their password hashes and identity keys
devices: id handle name token_hash | local | b's own devices and their sessions
attachments: id owner data | local | uploads of b's own users (ciphertext)
key_packages last_resort_key_packages: device_id data | local | the KeyPackages b's own devices offer
provider_keys: keyid private_jwk public_jwk | local | b's own signing keys
device_cursors undelivered outbox: device_id | local | b's own devices
undelivered: client_id | local | the submit ids of b's own devices
consent: owner | local | b's own users
device_cursors undelivered room_members room_departures messages outbox abuse_reports: room_id | remote | the room id every provider of the room shares
rooms: id | remote | the room id every provider of the room shares
rooms: creator | remote | the creator's address: an a user for the rooms a hubs
rooms: group_info | remote | rooms b hubs: the public MLS GroupInfo, with a's devices' credentials (URI, device id) and public keys
rooms: hub salt | remote | the hub's domain, and what binds the room id to it
room_members: handle | remote | the members' addresses: whom to deliver to
room_members: invited_by | remote | who asked b's user (Requests)
room_departures: handle | remote | former members' addresses: how far they may read
messages: sender to_user | remote | the sender's address; the user a Welcome is for
messages: device_id to_device | remote | the sending device; the device a Welcome is for (MLS needs both)
messages: client_id | remote | a submitting device's dedup id, scoped by its provider
messages: payload | remote | MLS ciphertext, or a public handshake
messages: state | remote | a commit's room state: the members' addresses and roles
outbox: destination | remote | the peer's domain
outbox: body | remote | a submit's ciphertext, or a consent answer or report naming a's user
federation_inbox: origin txn | remote | the peer's domain and transaction ids (each is applied once)
consent: peer state | remote | the a user's address, and b's user's answer about them
abuse_reports: reporter reason | remote | who reported a message of a room b hubs, in their own words
users devices attachments key_packages last_resort_key_packages provider_keys rooms outbox: created_at | none | a time
devices: last_seen_at | none | a time
provider_keys: not_after | none | a time
undelivered abuse_reports: at | none | a time
consent: updated_at | none | a time
federation_inbox: received_at | none | a time
messages: ts | none | a time
device_cursors messages outbox abuse_reports: seq | none | a position in the room
rooms: last_seq epoch | none | the room's position and MLS epoch
room_members room_departures: joined_seq | none | a position in the room
room_departures: left_seq | none | a position in the room
room_members: role pending | none | owner or member; in Requests or not
rooms messages outbox: kind | none | what kind of room, message or item
rooms: encrypted | none | a flag
attachments: size | none | a size
key_packages outbox abuse_reports: id | none | a row number
outbox: attempts | none | a count
outbox: seq_end | none | the last position of a run of messages owed
undelivered: reason | none | an error code
kysely_migration: name timestamp | none | the schema's version
kysely_migration_lock: id is_locked | none | the migration lock
sqlite_sequence: name seq | none | SQLite's row counters
`;
const SCHEMA = new Map<string, [Class, string]>();
for (const line of CLASSIFIED.trim().split('\n')) {
  const [where, cls, why] = line.split(' | ') as [string, Class, string];
  const [tables, columns] = where.split(': ') as [string, string];
  for (const t of tables.split(' '))
    for (const c of columns.split(' ')) {
      assert.ok(!SCHEMA.has(`${t}.${c}`), `${t}.${c} is classified twice`);
      SCHEMA.set(`${t}.${c}`, [cls, why]);
    }
}

/** UTF-8 and base64 (both alphabets, every alignment) of `text`: the byte strings that give it away. */
function tells(text: string | Buffer): Buffer[] {
  const raw = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const out = [raw];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    const core = encoded.slice(Math.ceil((shift * 4) / 3), Math.floor(((shift + raw.length) * 4) / 3));
    out.push(Buffer.from(core), Buffer.from(core.replaceAll('+', '-').replaceAll('/', '_')));
  }
  return out;
}
const leaks = (haystack: Buffer, secret: string | Buffer) => tells(secret).some((n) => haystack.includes(n));
const bytesOf = (v: unknown) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v ?? ''), 'utf8'));

/** The database file with its -wal and -shm, as bytes. */
const fileBytes = (path: string) =>
  Buffer.concat(['', '-wal', '-shm'].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s)));

type Row = Record<string, unknown>;
function readAll(path: string) {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const tables = new Map<string, { columns: string[]; rows: Row[] }>();
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of names) {
      const columns = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map(
        (c) => c.name,
      );
      tables.set(name, { columns, rows: db.prepare(`SELECT * FROM "${name}"`).all() as Row[] });
    }
    return tables;
  } finally {
    db.close();
  }
}

/** SQLite files whose paths the test knows: a.localhost's first, b.localhost's second. */
function fileBackend(paths: string[]): Backend {
  return {
    name: 'sqlite',
    skip: undefined,
    open: async () => {
      const dir = tempDir('parley-fedpriv-');
      const path = join(dir.path, 'parley.db');
      paths.push(path);
      const storage = await openSqliteStorage({ path });
      const destroy = async () => {
        await storage.close();
        dir.remove();
      };
      return { storage, destroy };
    },
  };
}

const env = await nodeEnvironment();
async function device(server: string, handle: string, password: string, deviceName: string, from?: Device) {
  const client = new ParleyClient({ store: new MemoryStore(), ...env, deviceCheckIntervalMs: 0 });
  const input = { server, handle, password, deviceName };
  if (from) await client.login({ ...input, identityKey: from.client.exportIdentityKey() });
  else await client.register(input);
  await client.start();
  const d: Device = { client, events: [], name: deviceName };
  client.on('*', (e) => d.events.push(e));
  return d;
}

describe('what b keeps about a’s users', { timeout: 240_000 }, () => {
  const paths: string[] = [];
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;
  const devices: Device[] = [];
  // Hooks wait for ever by default: bounded, a hang in set-up or shutdown fails here, naming the hook.
  before(
    async () => {
      net = await TestNetwork.create({ providers: 2, backend: fileBackend(paths) });
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await closeAll(...devices);
      await net?.close();
    },
    { timeout: 60_000 },
  );

  it('holds addresses, device ids, ciphertext and consent about a’s users, and nothing else', async () => {
    const [A, B] = [net.url('a.localhost'), net.url('b.localhost')];
    const alice = await device(A, 'alice', PASSWORDS.alice, DEVICE_NAMES[0]!);
    const laptop = await device(A, 'alice', PASSWORDS.alice, DEVICE_NAMES[1]!, alice);
    const erin = await device(A, 'erin', PASSWORDS.erin, DEVICE_NAMES[2]!);
    const zed = await device(A, ZED, PASSWORDS.zed, DEVICE_NAMES[3]!);
    const bob = await device(B, 'bob', `bob passphrase ${tag}`, `bob phone ${tag}`);
    devices.push(alice, laptop, erin, zed, bob);

    // alice and bob: request, accept, a reply, a reaction, an edit; a named group with erin, who is then removed.
    const direct = await alice.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] });
    const first = await alice.client.send(direct.id, WORDS.message);
    await eventually('bob has alice’s request', async () => (await bob.client.requests()).length > 0);
    await bob.client.accept('alice@a.localhost');
    await sees(bob, 'message', (m) => m.id === first.id);
    await bob.client.reply(first.id, WORDS.reply);
    await bob.client.react(first.id, WORDS.reaction);
    await alice.client.edit(first.id, WORDS.edit);
    await sees(bob, 'edit', (e) => e.target === first.id);
    const group = await alice.client.createRoom({
      kind: 'group',
      members: ['bob@b.localhost', 'erin@a.localhost'],
      name: WORDS.group,
    });
    await alice.client.send(group.id, WORDS.groupMessage);
    await sees(bob, 'message', (m) => m.text === WORDS.groupMessage);
    await alice.client.removeMembers(group.id, ['erin@a.localhost']);
    await sees(bob, 'membership', (m) => m.removed.includes('erin@a.localhost'));
    // A room b hubs: bob writes to erin, she accepts, answers, and reports bob's message to b.
    const hubbed = await bob.client.createRoom({ kind: 'direct', members: ['erin@a.localhost'] });
    const ferry = await bob.client.send(hubbed.id, WORDS.hubbedMessage);
    await eventually('erin has bob’s request', async () => (await erin.client.requests()).length > 0);
    await erin.client.accept('bob@b.localhost');
    await sees(erin, 'message', (m) => m.id === ferry.id);
    await erin.client.send(hubbed.id, WORDS.hubbedReply);
    await sees(bob, 'message', (m) => m.text === WORDS.hubbedReply);
    await erin.client.report(ferry.id, 'testing the report path');
    const bStorage = net.byDomain['b.localhost']!.provider.ctx.storage;
    const aStorage = net.byDomain['a.localhost']!.provider.ctx.storage;
    await eventually('a and b have handed everything over', async () => {
      const owed = [
        ...(await aStorage.federation.due('b.localhost', 1)),
        ...(await bStorage.federation.due('a.localhost', 1)),
      ];
      return owed.length === 0;
    });
    for (const d of devices) await d.client.idle();
    // The conversation happened: each side read the other's words.
    const seenByBob = bob.events
      .map((e) => ('text' in e ? e.text : 'reaction' in e ? e.reaction : ''))
      .join('\n');
    for (const w of [WORDS.message, WORDS.edit, WORDS.groupMessage, WORDS.hubbedReply])
      assert.ok(seenByBob.includes(w), w);
    assert.equal((await bob.client.room(group.id))?.name, WORDS.group);

    const [aPath, bPath] = paths as [string, string];
    const bBytes = fileBytes(bPath);
    const aBytes = fileBytes(aPath);
    const a = readAll(aPath);
    const b = readAll(bPath);
    const aUsers = a.get('users')!.rows;
    const aDevices = a.get('devices')!.rows;
    const deviceIdsOf = (handle: string) =>
      aDevices.filter((r) => r.handle === handle).map((r) => String(r.id));
    assert.deepEqual(aUsers.map((u) => u.handle).sort(), ['alice', 'erin', ZED].sort());
    assert.equal(aDevices.length, 4);

    // The search finds what is there: a's own file holds its devices' names, hashes and identity keys.
    for (const name of DEVICE_NAMES) assert.ok(leaks(aBytes, name), `a keeps the device name ${name}`);
    for (const u of aUsers) assert.ok(leaks(aBytes, bytesOf(u.identity_key)), 'a keeps identity keys');

    // 1. No plaintext in b: not in any column, not in the raw file, WAL or shared memory.
    const secrets: [string, string | Buffer][] = [
      ...Object.entries(WORDS),
      ...Object.entries(PASSWORDS).map(([k, v]): [string, string] => [`${k}'s password`, v]),
      ...DEVICE_NAMES.map((n): [string, string] => [`the device name ${n}`, n]),
      ...aUsers.map((u): [string, Buffer] => [`${u.handle}'s password hash`, bytesOf(u.password_hash)]),
      ...aUsers.map((u): [string, Buffer] => [`${u.handle}'s identity key`, bytesOf(u.identity_key)]),
      ...aDevices.map((d): [string, Buffer] => [`a token hash of ${d.handle}`, bytesOf(d.token_hash)]),
      [`${ZED}, who never talked to b`, ZED],
      ...deviceIdsOf(ZED).map((id): [string, string] => [`${ZED}'s device id`, id]),
    ];
    for (const [what, secret] of secrets)
      assert.ok(!leaks(bBytes, secret), `${what} is in b's database files`);
    for (const [table, { columns, rows }] of b)
      for (const row of rows)
        for (const column of columns)
          for (const [what, secret] of secrets)
            assert.ok(!leaks(bytesOf(row[column]), secret), `${what} is in b's ${table}.${column}`);

    // 2. Every table and column of b is classified, and nothing is classified that is not there.
    const actual = [...b].flatMap(([t, { columns }]) => columns.map((c) => `${t}.${c}`)).sort();
    const classified = [...SCHEMA.keys()].sort();
    assert.deepEqual(
      actual.filter((c) => !classified.includes(c)),
      [],
      'columns of b nobody has said may hold data about other providers’ users (classify them in SCHEMA)',
    );
    assert.deepEqual(
      classified.filter((c) => !actual.includes(c)),
      [],
      'classified columns that do not exist',
    );

    // 3. `local` columns hold nothing of a's: no a address or domain, no a device id.
    const aMarks = ['a.localhost', ...aDevices.map((d) => String(d.id))];
    for (const [table, { columns, rows }] of b)
      for (const column of columns.filter((c) => SCHEMA.get(`${table}.${c}`)?.[0] === 'local'))
        for (const row of rows)
          for (const mark of aMarks)
            assert.ok(!bytesOf(row[column]).includes(mark), `b's ${table}.${column} holds ${mark}`);
    const rowsOf = (t: string) => b.get(t)!.rows;
    assert.deepEqual(
      rowsOf('users').map((u) => u.handle),
      ['bob'],
      'b has accounts of its own users only',
    );
    assert.deepEqual([...new Set(rowsOf('devices').map((d) => d.handle))], ['bob']);
    const bDevices = rowsOf('devices').map((d) => String(d.id));
    for (const t of ['key_packages', 'last_resort_key_packages'])
      assert.ok(
        rowsOf(t).every((k) => bDevices.includes(String(k.device_id))),
        `${t}: b's devices only`,
      );

    // 4. What b does hold about a's users — the delivery data the design allows — is there.
    const column = (t: string, c: string) => new Set(rowsOf(t).map((r) => String(r[c])));
    assert.ok(column('room_members', 'handle').has('alice@a.localhost'));
    assert.ok(column('room_members', 'handle').has('erin@a.localhost'));
    assert.ok(column('messages', 'sender').has('alice@a.localhost'));
    assert.ok(column('room_departures', 'handle').has('erin@a.localhost'));
    assert.ok(column('messages', 'device_id').has(alice.client.deviceId), 'alice’s device id');
    const known = [...bDevices, ...deviceIdsOf('alice'), ...deviceIdsOf('erin')];
    assert.ok(
      [...column('messages', 'device_id')].every((id) => known.includes(id)),
      'talking devices only',
    );
    assert.deepEqual(
      rowsOf('consent')
        .map((c) => [c.owner, c.peer, c.state])
        .sort(),
      [
        ['bob', 'alice@a.localhost', 'accepted'],
        ['bob', 'erin@a.localhost', 'accepted'],
      ],
    );
    assert.ok(column('abuse_reports', 'reporter').has('erin@a.localhost'));
  });
});
