// Loaded (`--import`) into every test file's process by scripts/test.mjs. Shortly before the file's time limit
// (PARLEY_TEST_FILE_TIMEOUT_MS) it writes to stderr what the file is still waiting for: the named waits of
// @parley/testing (bounded, eventually) under way, the kinds of handles keeping the process alive, and when the
// main thread last ran JavaScript. The runner kills a file at its limit and reports only "cancelled"; this is
// what is left to go on.
//
// The report comes from a worker thread writing straight to file descriptor 2, because the main thread may be
// the thing that is stuck: a native deadlock (node:crypto's key generation once, see docs/CRYPTO.md) or a
// synchronous loop never lets a timer of its own fire. The main thread only leaves a snapshot, once a second, in
// memory the worker shares.
import { isMainThread, Worker } from 'node:worker_threads';

const limit = Number(process.env.PARLEY_TEST_FILE_TIMEOUT_MS);
if (isMainThread && process.env.NODE_TEST_CONTEXT && Number.isFinite(limit) && limit > 60_000) {
  const started = Date.now();
  const shared = new SharedArrayBuffer(8 + 16_384);
  const head = new Int32Array(shared, 0, 2); // [ms after start of the last snapshot, its length in bytes]
  const body = new Uint8Array(shared, 8);
  const encoder = new TextEncoder();
  const snapshot = () => {
    const now = Date.now();
    const waiting = globalThis[Symbol.for('parley.test.waiting')];
    const waits = waiting
      ? [...waiting.values()]
          .sort((a, b) => a.since - b.since)
          .map((w) => `  ${w.what} (for ${Math.round((now - w.since) / 1000)} s, at “${w.reached}”)`)
      : [];
    const handles = {};
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
    const text = [
      waits.length > 0 ? 'waits under way:' : 'no named wait under way',
      ...waits,
      `handles: ${JSON.stringify(handles)}`,
    ].join('\n');
    const { written } = encoder.encodeInto(text, body);
    Atomics.store(head, 1, written);
    Atomics.store(head, 0, now - started);
  };
  snapshot();
  setInterval(snapshot, 1_000).unref();
  const reporter = `
    const { workerData } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const { shared, started, limit, file } = workerData;
    const head = new Int32Array(shared, 0, 2);
    setTimeout(() => {
      const at = Atomics.load(head, 0);
      const text = new TextDecoder().decode(new Uint8Array(shared, 8, Atomics.load(head, 1)));
      const now = Date.now() - started;
      const frozen = now - at > 5000
        ? 'its main thread has not run JavaScript for ' + Math.round((now - at) / 1000) + ' s (a native deadlock or a synchronous loop); as it last was:'
        : 'its main thread is running:';
      writeSync(2, 'watchdog: ' + file + ' has run ' + Math.round(now / 1000) + ' s of its ' + limit / 1000 + ' s; ' + frozen + '\\n' + text + '\\n');
    }, limit - 30000 - (Date.now() - started));
  `;
  const worker = new Worker(reporter, {
    eval: true,
    workerData: { shared, started, limit, file: process.argv.at(-1) },
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  worker.unref();
}
