// Making keys must never freeze the process. On Node 20, `generateKeyPairSync` followed by a JWK export of the key
// deadlocked once the garbage collector destroyed the generation job during the export (both take the key's
// mutex): a loop of these froze within a few seconds, and whole test files waited out their time limit, CPU
// idle, the main thread stuck in a futex. The loop runs in a process of its own so that a freeze fails this test
// by its time limit instead of hanging the runner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROUNDS = 20_000;
const LIMIT_MS = 120_000;

it(`makes ${ROUNDS} HPKE and signature key pairs, exporting and using each (sealing and opening, signing and verifying), without freezing`, async () => {
  const script = fileURLToPath(new URL('./keygenLoop.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(ROUNDS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    new Promise<number | null>((resolve) => child.on('exit', resolve)),
    new Promise<'frozen'>((resolve) => {
      timer = setTimeout(() => resolve('frozen'), LIMIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (outcome === 'frozen') child.kill('SIGKILL');
  assert.notEqual(outcome, 'frozen', `the key loop did not finish within ${LIMIT_MS / 1000} s: ${output}`);
  assert.equal(outcome, 0, output);
  assert.match(output, /done/);
});
