/**
 * Consent across providers, end to end: a.localhost and b.localhost federated (in-process, SQLite files), every
 * command a real CLI process (`node apps/cli/bin/parley.js …`) with its own profile. alice@a.localhost writes to
 * users of b.localhost for the first time: each sees a request from her and nothing else until answering it. bob
 * accepts and they talk; carol declines and reads nothing; dave blocks her, erin blocks her before she ever
 * wrote, and neither reads what she sends them afterwards.
 *
 * Delivery between providers takes its time, so the test waits for what must arrive. What must not arrive is
 * checked once a later message from alice has reached bob on the same provider (the federation queue keeps
 * the order per destination): by then the dropped ones had every chance to arrive.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backends, repoRoot, TestNetwork, tempDir } from '@parley/testing';

const BIN = join(repoRoot, 'apps/cli/bin/parley.js');
const PASSWORD = 'correct horse battery staple';
const HEX64 = /^[0-9a-f]{64}$/;

type Line = Record<string, unknown>;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (for --json runs). */
  lines: Line[];
}

/** Runs `parley ARGS` to its end (killed after a minute). */
function parley(args: string[]): Promise<Result> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PARLEY_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish in 60 s:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = args.includes('--json')
        ? stdout
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as Line)
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

const ofType = (lines: Line[], type = 'message') => lines.filter((l) => l.type === type);

/** Waits until `check` holds, trying again every quarter second; fails with `what` after `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('first contacts across providers: requests, accept, decline, block', { timeout: 600_000 }, () => {
  const profiles = tempDir('parley-consent-');
  const dir = (name: string) => join(profiles.path, name);
  let net: Awaited<ReturnType<typeof TestNetwork.create>>;

  before(async () => {
    net = await TestNetwork.create({
      providers: 2,
      backend: backends.find((b) => b.name === 'sqlite')!,
      // Pruning runs often, so what every device has acknowledged is soon gone from the providers, as it is in
      // a deployment that runs for longer than this test: nothing here may depend on it staying.
      config: { retention: { pruneIntervalMs: 200 } },
    });
    await Promise.all([
      ok('register', '--server', net.url('a.localhost'), '--handle', 'alice', '--profile', dir('alice')),
      ...['bob', 'carol', 'dave', 'erin'].map((h) =>
        ok('register', '--server', net.url('b.localhost'), '--handle', h, '--profile', dir(h)),
      ),
    ]);
  });

  after(async () => {
    await net?.close();
    profiles.remove();
  });

  /** What `name`'s `parley requests --json` lists. */
  const requests = async (name: string) =>
    ofType((await ok('requests', '--profile', dir(name), '--json')).lines, 'request');
  const requestFrom = async (name: string, from: string) =>
    (await requests(name)).find((r) => r.from === from);

  /** Everything `name`'s `parley sync --json` prints, run after run, until `want` holds for all of it. */
  async function syncUntil(name: string, what: string, want: (lines: Line[]) => boolean): Promise<Line[]> {
    const seen: Line[] = [];
    await until(`${name} ${what}`, async () => {
      seen.push(...(await ok('sync', '--profile', dir(name), '--json')).lines);
      return want(seen);
    });
    return seen;
  }

  /** alice sends `text` in her 1:1 room with bob and waits until bob has read it. */
  async function throughToBob(text: string): Promise<void> {
    await ok('send', '--profile', dir('alice'), '--to', 'bob@b.localhost', text);
    await syncUntil('bob', `reads "${text}"`, (lines) => ofType(lines).some((m) => m.text === text));
  }

  let hello = '';
  let direct = '';
  /** bob's reply to "hello bob". */
  let answer = '';

  it('alice writes to bob@b.localhost: bob sees a request from her, and nothing else yet', async () => {
    const sent = await ok(
      'send',
      '--profile',
      dir('alice'),
      '--to',
      'bob@b.localhost',
      'hello bob',
      '--json',
    );
    const [line] = ofType(sent.lines, 'sent');
    assert.match(String(line?.id), HEX64);
    assert.equal(typeof line?.seq, 'number', 'alice’s own provider is the hub: nothing is queued');
    hello = String(line?.id);
    direct = String(line?.room);

    await until(
      'bob sees a request from alice',
      async () => !!(await requestFrom('bob', 'alice@a.localhost')),
    );
    const [request, ...others] = await requests('bob');
    assert.deepEqual(others, []);
    assert.deepEqual(
      { ...request, at: 0 },
      { type: 'request', from: 'alice@a.localhost', rooms: [{ room: direct, kind: 'direct' }], at: 0 },
    );
    assert.ok(Math.abs(Number(request?.at) - Date.now()) < 120_000, 'at is the time of the request');

    const human = await ok('requests', '--profile', dir('bob'));
    assert.match(human.stdout, new RegExp(`^alice@a\\.localhost  direct ${direct}  \\d{4}-\\d\\d-\\d\\dT`));

    // Until bob answers, the room is not his and nothing of it is delivered.
    assert.equal((await ok('sync', '--profile', dir('bob'), '--json')).stdout, '');
    assert.deepEqual((await ok('rooms', '--profile', dir('bob'), '--json')).lines, []);
  });

  it('bob accepts: the room and "hello bob" arrive; his reply reaches alice', async () => {
    const accepted = await ok('accept', '--profile', dir('bob'), 'alice@a.localhost', '--json');
    assert.deepEqual(accepted.lines, [{ type: 'accepted', user: 'alice@a.localhost' }]);
    assert.equal(await requestFrom('bob', 'alice@a.localhost'), undefined, 'an accepted request is gone');

    const seen = await syncUntil('bob', 'reads "hello bob"', (lines) => ofType(lines).length > 0);
    assert.deepEqual(ofType(seen, 'joined'), [
      { type: 'joined', room: direct, kind: 'direct', members: ['alice@a.localhost', 'bob@b.localhost'] },
    ]);
    const [message, ...more] = ofType(seen);
    assert.deepEqual(more, []);
    assert.deepEqual(
      { ...message, seq: 0 },
      { type: 'message', room: direct, id: hello, sender: 'alice@a.localhost', text: 'hello bob', seq: 0 },
    );

    const reply = await ok('reply', '--profile', dir('bob'), '--message', hello, 'hi alice', '--json');
    const [sent] = ofType(reply.lines, 'sent');
    assert.equal(sent?.room, direct);
    assert.ok(typeof sent?.seq === 'number' || sent?.queued === true, JSON.stringify(sent));
    answer = String(sent?.id);
    const got = await syncUntil('alice', 'reads bob’s reply', (lines) => ofType(lines).length > 0);
    assert.deepEqual(
      ofType(got).map((m) => [m.id, m.sender, m.text, m.replyTo]),
      [[sent?.id, 'bob@b.localhost', 'hi alice', hello]],
    );
  });

  it('carol declines: her request is gone, she reads nothing, and alice is not told', async () => {
    await ok('send', '--profile', dir('alice'), '--to', 'carol@b.localhost', 'hello carol');
    await until(
      'carol sees a request from alice',
      async () => !!(await requestFrom('carol', 'alice@a.localhost')),
    );
    const declined = await ok('decline', '--profile', dir('carol'), 'alice@a.localhost', '--json');
    assert.deepEqual(declined.lines, [{ type: 'declined', user: 'alice@a.localhost' }]);
    assert.deepEqual(await requests('carol'), []);

    // alice goes on writing into the room as before: nothing tells her.
    const again = await parley([
      'send',
      '--profile',
      dir('alice'),
      '--to',
      'carol@b.localhost',
      'carol?',
      '--json',
    ]);
    assert.equal(again.code, 0, again.stderr);
    await throughToBob('after carol declined');

    assert.equal((await ok('sync', '--profile', dir('carol'), '--json')).stdout, '', 'carol reads nothing');
    assert.deepEqual((await ok('rooms', '--profile', dir('carol'), '--json')).lines, []);
  });

  it('dave blocks alice after her request, erin before any: neither reads what she sends next', async () => {
    await ok('send', '--profile', dir('alice'), '--to', 'dave@b.localhost', 'hello dave');
    await until(
      'dave sees a request from alice',
      async () => !!(await requestFrom('dave', 'alice@a.localhost')),
    );
    const blocked = await ok('block', '--profile', dir('dave'), 'alice@a.localhost', '--json');
    assert.deepEqual(blocked.lines, [{ type: 'blocked', user: 'alice@a.localhost' }]);
    assert.deepEqual(await requests('dave'), []);
    // Blocking needs no request; a bare name would be a user of erin's own provider, so she writes it out.
    const erin = await ok('block', '--profile', dir('erin'), 'alice@a.localhost');
    assert.equal(erin.stdout, 'blocked alice@a.localhost\n');

    // alice opens new chats with both. Her provider may refuse them or take them; either way nothing may arrive.
    const group = await parley([
      'group',
      'create',
      '--profile',
      dir('alice'),
      '--members',
      'dave@b.localhost',
      '--name',
      'Second try',
    ]);
    const room = group.stdout.trim();
    if (group.code === 0) await ok('send', '--profile', dir('alice'), '--room', room, 'hello again dave');
    await parley(['send', '--profile', dir('alice'), '--to', 'erin@b.localhost', 'hello erin']);
    await throughToBob('after the blocks');

    for (const name of ['dave', 'erin']) {
      assert.deepEqual(await requests(name), [], `${name} has no request`);
      assert.equal((await ok('sync', '--profile', dir(name), '--json')).stdout, '', `${name} reads nothing`);
      assert.deepEqual((await ok('rooms', '--profile', dir(name), '--json')).lines, []);
    }
  });

  it('answering needs a handle; one that is not is a usage error', async () => {
    const runs = await Promise.all([
      parley(['accept', '--profile', dir('bob')]),
      parley(['block', '--profile', dir('bob'), 'not a handle']),
      parley(['decline', '--profile', dir('bob'), 'a@b.localhost', 'c@b.localhost']),
      parley(['report', '--profile', dir('bob'), '--message', hello]),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^parley: .+\nusage: /);
    }
  });

  it('alice and bob report each other’s message; unknown ones and their own fail with a code', async () => {
    assert.ok(hello && answer, 'the messages to report come from the accept step');
    // alice's provider is the room's hub; bob's forwards his report to it. Both messages were read by everyone
    // a while ago: the providers may have deleted them (retention), and reporting them still works.
    for (const [name, id] of [
      ['alice', answer],
      ['bob', hello],
    ] as const) {
      const reported = await parley([
        'report',
        '--profile',
        dir(name),
        '--room',
        direct,
        '--message',
        id,
        '--reason',
        'testing reports',
        '--json',
      ]);
      assert.equal(reported.code, 0, `${name}'s report: ${reported.stdout}${reported.stderr}`);
      const [line] = reported.lines;
      assert.deepEqual({ ...line, seq: 0 }, { type: 'reported', room: direct, id, seq: 0 });
      assert.ok(Number(line?.seq) > 0);
    }

    const refused = async (room: string, id: string, code: string) => {
      const r = await parley(['report', '--profile', dir('bob'), '--room', room, '--message', id, '--json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.lines[0]?.code, code, r.stderr);
    };
    await refused(direct, 'ab'.repeat(32), 'unknownMessage');
    await refused('someotherroom', hello, 'unknownMessage');
    await refused(direct, answer, 'invalidRequest');
  });
});
