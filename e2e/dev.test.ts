// `parley dev` (what `npm start` runs): three provider processes, each with its own data folder, name and colour,
// federating through the static peer map; a signal stops all three cleanly.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeviceClient, repoRoot, tempDir } from '@parley/testing';

const DOMAINS = ['a.localhost', 'b.localhost', 'c.localhost'];

describe('parley dev', () => {
  const data = tempDir('parley-dev-');
  // Three consecutive ports somewhere unlikely to be taken; the test fails clearly if one is.
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  const urls = DOMAINS.map((_, i) => `http://127.0.0.1:${base + i}`);
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;

  after(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    data.remove();
  });

  it('starts three providers as processes and prints their addresses', async () => {
    child = spawn(
      process.execPath,
      [join(repoRoot, 'apps/cli/bin/parley.js'), 'dev', '--data', data.path, '--port-base', String(base)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const until = Date.now() + 60_000;
    while (!output.includes('All three are up')) {
      assert.ok(Date.now() < until, `dev did not come up:\n${output}`);
      assert.equal(child.exitCode, null, `dev exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [i, domain] of DOMAINS.entries()) {
      assert.match(output, new RegExp(`http://${domain}:${base + i}`));
      assert.ok(existsSync(join(data.path, domain[0]!, 'parley.db')), `${domain} has its own SQLite folder`);
    }
  });

  it('gives each a distinct name and colour from its config', async () => {
    const brands = await Promise.all(
      urls.map(
        async (u) =>
          (await (await fetch(`${u}/v1/provider`)).json()) as {
            domain: string;
            name: string;
            accent: string;
          },
      ),
    );
    assert.deepEqual(
      brands.map((b) => b.domain),
      DOMAINS,
    );
    assert.equal(new Set(brands.map((b) => b.name)).size, 3);
    assert.equal(new Set(brands.map((b) => b.accent)).size, 3);
  });

  it('lets a user of b look up a user of a through the peer map', async () => {
    const alice = await DeviceClient.register(urls[0]!, 'alice');
    await alice.call('PUT', '/v1/identity', { identityKey: Buffer.alloc(32, 3).toString('base64') });
    const bob = await DeviceClient.register(urls[1]!, 'bob');
    const found = await bob.call('GET', '/v1/users/alice@a.localhost');
    assert.equal(found.status, 200, JSON.stringify(found.body));
    assert.equal(found.body.user, 'alice@a.localhost');
    assert.deepEqual(found.body.devices, [alice.deviceId]);
    const missing = await bob.call('GET', '/v1/users/nobody@c.localhost');
    assert.equal(missing.status, 404);
  });

  it('stops all three on SIGINT and exits 0', async () => {
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    assert.equal(code, 0, output);
    assert.match(output, /Stopped\./);
    for (const url of urls) await assert.rejects(fetch(`${url}/health`), 'no provider is left running');
  });
});
