#!/usr/bin/env node
// `npm test`: lint and format, types, layering and import cycles, then every *.test.ts under node's test runner.
// Each step must pass; the first failure stops the run with its exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const onlyTests = args.includes('--only-tests');
const filters = args.filter((a) => !a.startsWith('--'));

function run(title, cmd, cmdArgs) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`✖ ${title} failed (${seconds}s)`);
    process.exit(result.status ?? 1);
  }
  console.log(`✔ ${title} (${seconds}s)`);
}

function findTests(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

if (!onlyTests) {
  run('biome (format and lint)', bin('biome'), ['check', '.']);
  run('tsc (types)', bin('tsc'), ['-p', 'tsconfig.json']);
  // The web app has its own settings (DOM, JSX for Preact).
  if (existsSync('apps/web/tsconfig.json')) {
    run('tsc (web app types)', bin('tsc'), ['-p', 'apps/web/tsconfig.json']);
  }
  run('dependency-cruiser (layers, cycles)', bin('depcruise'), [
    '--config',
    '.dependency-cruiser.cjs',
    'packages',
    'apps',
  ]);
}

const tests = ['packages', 'apps', 'e2e', 'bench']
  .flatMap((d) => {
    try {
      return findTests(join(root, d), []);
    } catch {
      return [];
    }
  })
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (tests.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Providers a test spawned note themselves here (packages/testing/src/provider.ts); any still running after
// the run (their test was killed at its time limit, say) are stopped, by PID, and named.
const children = mkdtempSync(join(tmpdir(), 'parley-test-children-'));
process.env.PARLEY_TEST_CHILDREN = children;
process.on('exit', () => stopLeftovers(children));
// A file still running at its limit is killed and reported as "cancelled", nothing more: the watchdog each file
// loads says, shortly before, what it was still waiting for.
const FILE_TIMEOUT_MS = 600_000;
process.env.PARLEY_TEST_FILE_TIMEOUT_MS = String(FILE_TIMEOUT_MS);
run(`node --test (${tests.length} files)`, process.execPath, [
  '--import',
  'tsx',
  '--import',
  pathToFileURL(join(root, 'scripts', 'test-watchdog.mjs')).href,
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=2',
  `--test-timeout=${FILE_TIMEOUT_MS}`,
  ...tests,
]);

function stopLeftovers(folder) {
  const alive = [];
  for (const name of readdirSync(folder)) {
    const pid = Number(name);
    const dataDir = readFileSync(join(folder, name), 'utf8');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone
    }
    if (!Number.isInteger(pid) || !dataDir || !cmdline.includes(dataDir)) continue; // the PID is another's now
    alive.push(pid);
    try {
      process.kill(pid, 'SIGKILL');
      if (dataDir.startsWith(tmpdir())) rmSync(dataDir, { recursive: true, force: true });
    } catch {}
  }
  rmSync(folder, { recursive: true, force: true });
  if (alive.length > 0)
    console.error(`stopped ${alive.length} provider process(es) a test left running: ${alive.join(', ')}`);
}
