/**
 * The `parley` client commands, end to end: a provider process on loopback, and every command a real CLI process
 * (`node apps/cli/bin/parley.js …`) with its own profile folder. alice@a.localhost and bob@a.localhost talk 1:1,
 * alice runs a group with carol and dave, bob follows the stream like a bot, alice adds a second device.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '@parley/sdk/node';
import { type ProcessProvider, processStorage, repoRoot, spawnProvider, tempDir } from '@parley/testing';

const BIN = join(repoRoot, 'apps/cli/bin/parley.js');
const PASSWORD = 'correct horse battery staple';
const HEX64 = /^[0-9a-f]{64}$/;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (for --json runs). */
  lines: Record<string, unknown>[];
}

/** Every byte any CLI run printed, to check that no secret was among them. */
const printed: string[] = [];

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PARLEY_PASSWORD: PASSWORD, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `parley ARGS` to its end (killed after `timeoutMs`). */
function parley(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<Result> {
  const child = start(args, options.env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish in 60 s:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      const lines = args.includes('--json')
        ? stdout
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
      resolve({ code, stdout, stderr, lines });
    });
  });
}

/** `parley ARGS` that must succeed. */
async function ok(...args: string[]): Promise<Result> {
  const r = await parley(args);
  assert.equal(r.code, 0, `parley ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r;
}

function messages(r: Result, type = 'message') {
  return r.lines.filter((l) => l.type === type);
}

describe('the parley client commands', { timeout: 600_000 }, () => {
  const storage = processStorage('sqlite');
  const profiles = tempDir('parley-cli-');
  const dir = (name: string) => join(profiles.path, name);
  let provider: ProcessProvider;
  let server: string;
  const children: ChildProcess[] = [];

  before(async () => {
    provider = await spawnProvider({ domain: 'a.localhost', dataDir: storage.dataDir });
    server = provider.url;
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    provider?.child.kill('SIGTERM');
    const killer = setTimeout(() => provider?.child.kill('SIGKILL'), 10_000);
    await provider?.exited;
    clearTimeout(killer);
    await storage.remove();
    profiles.remove();
  });

  let hi = '';
  let direct = '';

  it('registers alice and bob, each in a profile of their own', async () => {
    const [alice, bob] = await Promise.all(
      ['alice', 'bob'].map((h) =>
        ok('register', '--server', server, '--handle', h, '--profile', dir(h), '--json'),
      ),
    );
    assert.deepEqual(
      alice!.lines.map((l) => [l.type, l.user]),
      [['registered', 'alice@a.localhost']],
    );
    assert.equal(bob!.lines[0]?.user, 'bob@a.localhost');
    assert.ok(existsSync(join(dir('alice'), 'profile.db')));
  });

  it('alice sends "hi bob"; bob syncs and reads it, exactly once', async () => {
    const sent = await ok('send', '--profile', dir('alice'), '--to', 'bob@a.localhost', 'hi bob', '--json');
    const [line] = messages(sent, 'sent');
    assert.match(String(line?.id), HEX64);
    hi = String(line?.id);
    direct = String(line?.room);

    const synced = await ok('sync', '--profile', dir('bob'), '--json');
    const joined = messages(synced, 'joined');
    assert.deepEqual(joined, [
      { type: 'joined', room: direct, kind: 'direct', members: ['alice@a.localhost', 'bob@a.localhost'] },
    ]);
    const got = messages(synced);
    assert.equal(got.length, 1);
    assert.deepEqual(Object.keys(got[0]!), ['type', 'room', 'id', 'sender', 'text', 'seq']);
    assert.deepEqual(
      { ...got[0], seq: 0 },
      { type: 'message', room: direct, id: hi, sender: 'alice@a.localhost', text: 'hi bob', seq: 0 },
    );
    assert.match(String(got[0]!.id), HEX64);
    assert.equal(typeof got[0]!.seq, 'number');

    // Nothing new since: a second sync prints nothing.
    assert.equal((await ok('sync', '--profile', dir('bob'), '--json')).stdout, '');
  });

  it('bob replies, reacts and edits by message id; alice sees all three', async () => {
    const reply = await ok('reply', '--profile', dir('bob'), '--message', hi, 'hello alice');
    const replyId = reply.stdout.trim();
    assert.match(replyId, HEX64);
    const like = messages(
      await ok('react', '--profile', dir('bob'), '--message', hi, '🎉', '--json'),
      'sent',
    );
    assert.equal(like[0]?.room, direct);
    await ok('edit', '--profile', dir('bob'), '--message', replyId, 'hello, alice!');

    const seen = await ok('sync', '--profile', dir('alice'), '--json');
    const [message] = messages(seen);
    assert.deepEqual(
      [message?.id, message?.sender, message?.text, message?.replyTo],
      [replyId, 'bob@a.localhost', 'hello alice', hi],
    );
    const [reaction] = messages(seen, 'reaction');
    assert.deepEqual(
      [reaction?.id, reaction?.sender, reaction?.target, reaction?.reaction],
      [like[0]?.id, 'bob@a.localhost', hi, '🎉'],
    );
    const [edit] = messages(seen, 'edit');
    assert.deepEqual([edit?.target, edit?.text, edit?.sender], [replyId, 'hello, alice!', 'bob@a.localhost']);

    // Only the sender may edit a message.
    const forged = await parley([
      'edit',
      '--profile',
      dir('alice'),
      '--message',
      replyId,
      'forged',
      '--json',
    ]);
    assert.equal(forged.code, 1);
    assert.equal(forged.lines[0]?.code, 'notYours');
  });

  it('send --to reuses the 1:1 room', async () => {
    const again = await ok(
      'send',
      '--profile',
      dir('alice'),
      '--to',
      'bob@a.localhost',
      'still there?',
      '--json',
    );
    assert.equal(messages(again, 'sent')[0]?.room, direct);
    const rooms = await ok('rooms', '--profile', dir('alice'), '--json');
    assert.deepEqual(rooms.lines, [
      {
        type: 'room',
        room: direct,
        kind: 'direct',
        members: ['alice@a.localhost', 'bob@a.localhost'],
        active: true,
      },
    ]);
  });

  let group = '';

  it('alice makes a group with bob and carol, adds dave, removes carol; carol reads nothing after', async () => {
    await Promise.all(
      ['carol', 'dave'].map((h) => ok('register', '--server', server, '--handle', h, '--profile', dir(h))),
    );
    const created = await ok(
      'group',
      'create',
      '--profile',
      dir('alice'),
      '--name',
      'Ops',
      '--members',
      'bob@a.localhost,carol@a.localhost',
    );
    group = created.stdout.trim();
    assert.match(group, /^[a-z0-9]+$/, 'group create prints the room id');

    const added = await ok(
      'group',
      'add',
      '--profile',
      dir('alice'),
      '--room',
      group,
      '--member',
      'dave@a.localhost',
      '--json',
    );
    assert.deepEqual(added.lines, [
      {
        type: 'members',
        room: group,
        members: ['alice@a.localhost', 'bob@a.localhost', 'carol@a.localhost', 'dave@a.localhost'],
      },
    ]);
    await ok('send', '--profile', dir('alice'), '--room', group, 'before removal');
    const carolBefore = await ok('sync', '--profile', dir('carol'), '--json');
    assert.deepEqual(
      messages(carolBefore).map((m) => m.text),
      ['before removal'],
    );
    assert.equal(messages(carolBefore, 'roomUpdated')[0]?.name, 'Ops');

    const removed = await ok(
      'group',
      'remove',
      '--profile',
      dir('alice'),
      '--room',
      group,
      '--member',
      'carol@a.localhost',
      '--json',
    );
    assert.deepEqual(removed.lines[0]?.members, ['alice@a.localhost', 'bob@a.localhost', 'dave@a.localhost']);
    await ok('send', '--profile', dir('alice'), '--room', group, 'after removal');

    const carolAfter = await ok('sync', '--profile', dir('carol'), '--json');
    assert.deepEqual(messages(carolAfter), [], 'carol reads nothing sent after her removal');
    const dave = await ok('sync', '--profile', dir('dave'), '--json');
    assert.deepEqual(
      messages(dave).map((m) => m.text),
      ['before removal', 'after removal'],
    );
    const sending = await parley(['send', '--profile', dir('carol'), '--room', group, 'let me in', '--json']);
    assert.equal(sending.code, 1, 'carol can no longer send to the group');
  });

  it('bob follows like a bot: sees messages live, replies while following, stops cleanly on SIGTERM', async () => {
    const follower = start(['sync', '--profile', dir('bob'), '--follow', '--timeout', '120', '--json']);
    children.push(follower);
    let out = '';
    let err = '';
    follower.stdout!.on('data', (d) => (out += d));
    follower.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
    const line = (text: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`bob's stream never showed "${text}":\n${out}${err}`)),
          60_000,
        );
        const look = () => {
          const found = out
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find((l) => l.type === 'message' && l.text === text);
          if (found) {
            clearTimeout(timer);
            follower.stdout!.off('data', look);
            resolve(found);
          }
        };
        follower.stdout!.on('data', look);
        look();
      });

    // The group's earlier messages come first (bob had not synced them), then the live one.
    await line('after removal');
    await ok('send', '--profile', dir('alice'), '--room', group, 'live now');
    const live = await line('live now');
    // While the stream runs, bob answers with another command on the same profile.
    const answer = await ok('reply', '--profile', dir('bob'), '--message', String(live.id), 'live answer');
    await ok('send', '--profile', dir('alice'), '--room', group, 'after the answer');
    await line('after the answer');

    follower.kill('SIGTERM');
    const killer = setTimeout(() => follower.kill('SIGKILL'), 20_000);
    assert.equal(await exited, 0, err);
    clearTimeout(killer);
    printed.push(out, err);
    assert.equal(out.split('\n').filter((l) => l.includes('"live now"')).length, 1, 'each message once');
    assert.ok(!existsSync(join(dir('bob'), 'lock')), 'the lock is released');

    const dave = await ok('sync', '--profile', dir('dave'), '--json');
    assert.deepEqual(
      messages(dave).map((m) => [m.text, m.sender, m.replyTo ?? null]),
      [
        ['live now', 'alice@a.localhost', null],
        ['live answer', 'bob@a.localhost', live.id],
        ['after the answer', 'alice@a.localhost', null],
      ],
    );
    assert.equal(messages(dave)[1]?.id, answer.stdout.trim());
  });

  it('sync --follow --timeout ends by itself with exit 0', async () => {
    const started = Date.now();
    await ok('sync', '--profile', dir('dave'), '--follow', '--timeout', '2', '--json');
    assert.ok(Date.now() - started < 30_000);
  });

  it('a second device of alice logs in with the identity key of her first profile', async () => {
    const missing = await parley([
      'login',
      '--server',
      server,
      '--handle',
      'alice@a.localhost',
      '--profile',
      dir('alice-2'),
      '--json',
    ]);
    assert.equal(missing.code, 1);
    assert.equal(missing.lines[0]?.code, 'identityKeyRequired');
    assert.match(String(missing.lines[0]?.message), /--identity-from/);
    assert.ok(!existsSync(dir('alice-2')), 'a failed login leaves no profile behind');

    // The password comes from standard input this time (the environment has none).
    const login = await parley(
      [
        'login',
        '--server',
        server,
        '--handle',
        'alice',
        '--profile',
        dir('alice-2'),
        '--identity-from',
        dir('alice'),
        '--password-stdin',
        '--json',
      ],
      { env: { PARLEY_PASSWORD: '' }, input: `${PASSWORD}\n` },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.equal(login.lines[0]?.user, 'alice@a.localhost');
    // The new device joined alice's rooms by itself and reads what is sent from now on.
    await ok('send', '--profile', dir('bob'), '--to', 'alice@a.localhost', 'to both of you');
    const second = await ok('sync', '--profile', dir('alice-2'), '--json');
    assert.deepEqual(
      messages(second, 'joined')
        .map((j) => j.room)
        .sort(),
      [direct, group].sort(),
    );
    assert.deepEqual(
      messages(second).map((m) => m.text),
      ['to both of you'],
    );
  });

  it('usage errors exit 2 with the usage on stderr', async () => {
    const runs = await Promise.all([
      parley(['frobnicate']),
      parley(['send', '--profile', dir('alice'), '--bogus', 'x', 'text']),
      parley(['send', '--profile', dir('alice'), '--to', 'bob@a.localhost']),
      parley(['send', '--profile', dir('alice'), '--to', 'bob@a.localhost', '--room', direct, 'both']),
      parley(['send', '--to', 'bob@a.localhost', 'no profile']),
      parley(['group', 'create', '--profile', dir('alice'), '--members', 'not a handle', '--json']),
      parley(['sync', '--profile', dir('alice'), '--timeout', 'soon']),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^parley: .+\nusage: /);
    }
    assert.equal(runs[5]!.lines[0]?.code, 'usage');
  });

  it('a wrong password exits 1 with one error line', async () => {
    const wrong = await parley(
      ['login', '--server', server, '--handle', 'alice@a.localhost', '--profile', dir('alice-3'), '--json'],
      { env: { PARLEY_PASSWORD: 'not the password' } },
    );
    assert.equal(wrong.code, 1);
    assert.deepEqual(wrong.lines.length, 1);
    assert.equal(wrong.lines[0]?.type, 'error');
    assert.equal(wrong.lines[0]?.code, 'badCredentials');
    assert.match(wrong.stderr, /^parley: [^\n]+\n$/);
    assert.ok(!existsSync(dir('alice-3')));
  });

  it('never prints a password, token or key', async () => {
    const secrets = [PASSWORD];
    for (const name of ['alice', 'alice-2', 'bob', 'carol', 'dave']) {
      const store = SqliteStore.open(join(dir(name), 'profile.db'));
      const account = await store.account();
      await store.close();
      assert.ok(account);
      secrets.push(
        account.token,
        Buffer.from(account.identity.privateKey).toString('base64'),
        Buffer.from(account.deviceKey.privateKey).toString('base64'),
        Buffer.concat([account.identity.publicKey, account.identity.privateKey]).toString('base64'),
      );
    }
    const all = printed.join('\n');
    assert.ok(all.length > 1000, 'the check reads what was printed');
    for (const secret of secrets) assert.ok(!all.includes(secret), 'a secret was printed');
  });
});
