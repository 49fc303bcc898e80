// Keeps the benchmark from rotting: the --quick smoke run (every part, tiny sizes, one repetition) must finish
// within its time bound, exit 0, print the crypto table and write its results to a temporary directory, never
// over bench/results. No timing is asserted: the machine is shared and noisy.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const LIMIT_MS = 120_000;

function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick'], {
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

test('bench --quick runs every part and prints the crypto table', {
  timeout: LIMIT_MS + 10_000,
}, async (t) => {
  const { code, stdout, stderr } = await runQuick();
  const written = /^wrote (.+-crypto\.json)$/m.exec(stdout)?.[1];
  if (written !== undefined) t.after(() => rmSync(dirname(written), { recursive: true, force: true }));
  assert.equal(code, 0, `exit ${code}\n${stderr}`);

  assert.match(stdout, /^### crypto: MLS group operations next to raw AES-128-GCM \(quick smoke run\)$/m);
  for (const n of [2, 10]) {
    assert.match(
      stdout,
      new RegExp(`^\\|\\s+${n} \\| add 1 member: join from Welcome .*\\|\\s+[\\d,]+ \\|$`, 'm'),
    );
    assert.match(
      stdout,
      new RegExp(`^\\|\\s+${n} \\| application message: decrypt .*\\| +1/[\\d.,]+ \\|`, 'm'),
    );
  }

  assert.ok(written !== undefined, 'the run names the file it wrote');
  const dir = dirname(written);
  assert.ok(resolve(dir).startsWith(resolve(tmpdir())), `smoke results went to ${dir}`);
  assert.notEqual(resolve(dir), resolve(root, 'bench', 'results'));
  const latest = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
  assert.equal(latest.crypto.quick, true);
  // The machine probes ran and were recorded with the part (bench/lib/machineProbe.ts).
  const probes = latest.crypto.machine.probes;
  for (const name of ['loopbackEchoMs', 'threadPoolMs', 'fdatasyncMs']) {
    const { p50, p99 } = probes[name];
    assert.ok(p50 > 0 && p99 >= p50, `${name}: p50 ${p50}, p99 ${p99}`);
  }
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /machine probes at the start of the run/);
  assert.deepEqual(
    latest.crypto.data.sizes.map((s: { members: number }) => s.members),
    [2, 10],
  );
  assert.ok(existsSync(join(dir, 'README.md')));
});
