/**
 * The provider cannot read: after a conversation through the `parley` CLI (messages, a reply, a reaction, an
 * edit, a group name), the provider's whole data folder and everything it logged hold none of the words, neither
 * as UTF-8 nor as base64 of UTF-8 — while the clients' own profiles do hold them, which shows the search finds
 * what is there.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processStorage, repoRoot, tempDir } from '@parley/testing';

const BIN = join(repoRoot, 'apps/cli/bin/parley.js');
const tag = randomBytes(6).toString('hex');
const PASSWORD = `privacy passphrase ${tag}`;
const WORDS = {
  message: `the eagle lands at noon ${tag}`,
  reply: `copy that, eagle ${tag}`,
  reaction: '🦩🪼🫎',
  edit: `the eagle lands at dusk instead ${tag}`,
  group: `secret society ${tag}`,
  groupMessage: `meet behind the old mill ${tag}`,
};

/**
 * `parley serve` as a child process, like `spawnProvider` from @parley/testing but logging at `trace` (every
 * request), so that the check of its logs has something to read.
 */
async function spawnVerboseProvider(dataDir: string) {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--domain', 'a.localhost', '--host', '127.0.0.1', '--port', '0', '--data', dataDir],
    { cwd: repoRoot, env: { ...process.env, PARLEY_LOG_LEVEL: 'trace' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d));
  child.stderr.on('data', (d: Buffer) => output.push(d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the provider did not start in 30 s')), 30_000);
    const look = () => {
      const match = /listening on (http:\/\/\S+)/.exec(Buffer.concat(output).toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', look);
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the provider exited early:\n${Buffer.concat(output)}`));
    });
  });
  return { child, url, exited, output: () => Buffer.concat(output) };
}

/** Runs `parley ARGS` to a successful end; returns its stdout. */
function parley(...args: string[]): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PARLEY_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish in 60 s`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout.trim());
      else reject(new Error(`parley ${args.join(' ')} exited ${code}:\n${stdout}${stderr}`));
    });
  });
}

/** Every file under `dir`, as bytes, by path. */
function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) for (const [p, b] of filesUnder(path)) files.set(p, b);
    else files.set(path, readFileSync(path));
  }
  return files;
}

/**
 * The byte strings that give `text` away: its UTF-8, and its base64 (standard and URL alphabets) at each of the
 * three alignments it can have inside a longer encoded payload (only the characters that depend on `text` alone).
 */
function tells(text: string): Buffer[] {
  const utf8 = Buffer.from(text, 'utf8');
  const out = [utf8];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), utf8]).toString('base64');
    const from = Math.ceil((shift * 4) / 3);
    const to = Math.floor(((shift + utf8.length) * 4) / 3);
    const core = encoded.slice(from, to);
    out.push(Buffer.from(core), Buffer.from(core.replaceAll('+', '-').replaceAll('/', '_')));
  }
  return out;
}

function leaks(haystack: Buffer, text: string): boolean {
  return tells(text).some((needle) => haystack.includes(needle));
}

describe('the provider cannot read', { timeout: 300_000 }, () => {
  const storage = processStorage('sqlite');
  const profiles = tempDir('parley-privacy-');
  const alice = join(profiles.path, 'alice');
  const bob = join(profiles.path, 'bob');
  let provider: Awaited<ReturnType<typeof spawnVerboseProvider>>;

  before(async () => {
    provider = await spawnVerboseProvider(storage.dataDir);
  });

  after(async () => {
    if (provider && provider.child.exitCode === null) {
      provider.child.kill('SIGKILL');
      await provider.exited;
    }
    await storage.remove();
    profiles.remove();
  });

  it('keeps no plaintext in its database or its logs, while the clients do', async () => {
    // alice and bob talk: a message, a reply, a reaction, an edit, and a named group.
    await parley('register', '--server', provider.url, '--handle', 'alice', '--profile', alice);
    await parley('register', '--server', provider.url, '--handle', 'bob', '--profile', bob);
    const first = await parley('send', '--profile', alice, '--to', 'bob@a.localhost', WORDS.message);
    await parley('sync', '--profile', bob);
    await parley('reply', '--profile', bob, '--message', first, WORDS.reply);
    await parley('react', '--profile', bob, '--message', first, WORDS.reaction);
    await parley('edit', '--profile', alice, '--message', first, WORDS.edit);
    const group = await parley(
      'group',
      'create',
      '--profile',
      alice,
      '--name',
      WORDS.group,
      '--members',
      'bob',
    );
    await parley('send', '--profile', alice, '--room', group, WORDS.groupMessage);
    const seenByBob = await parley('sync', '--profile', bob, '--json');
    const seenByAlice = await parley('sync', '--profile', alice, '--json');
    // The conversation really happened: each side read the other's words.
    for (const word of [WORDS.edit, WORDS.group, WORDS.groupMessage])
      assert.ok(seenByBob.includes(word), word);
    for (const word of [WORDS.reply, WORDS.reaction]) assert.ok(seenByAlice.includes(word), word);

    // Stop the provider (SIGTERM: it finishes its writes and closes the database), then read all it kept.
    provider.child.kill('SIGTERM');
    const killer = setTimeout(() => provider.child.kill('SIGKILL'), 20_000);
    assert.equal(await provider.exited, 0);
    clearTimeout(killer);

    const kept = filesUnder(storage.dataDir);
    assert.ok(
      [...kept.keys()].some((p) => p.endsWith('.db')),
      'the data folder holds the SQLite database',
    );
    const logs = provider.output();
    // The logs are the provider's own, request by request (messages go as frames of the logged stream).
    assert.match(logs.toString(), /\/v1\/rooms\/:roomId\/commits/, 'the logs record each request');
    assert.match(logs.toString(), /\/v1\/stream/, 'the logs record the devices’ streams');
    const everything: [string, Buffer][] = [...kept, ['provider stdout/stderr', logs]];
    for (const [where, bytes] of everything) {
      for (const [name, word] of Object.entries(WORDS))
        assert.ok(!leaks(bytes, word), `the ${name} text is readable in ${where}`);
      assert.ok(!leaks(bytes, PASSWORD), `the password is readable in ${where}`);
    }

    // The same search finds every word in each client's own profile database.
    for (const profile of [alice, bob]) {
      const db = Buffer.concat(
        [...filesUnder(profile)].filter(([p]) => /profile\.db(-wal|-shm)?$/.test(p)).map(([, b]) => b),
      );
      for (const [name, word] of Object.entries(WORDS))
        assert.ok(leaks(db, word), `the ${name} text is in ${profile}/profile.db`);
    }
  });
});
