// Loaded (`--import`) into every test file's process by scripts/test.mjs. Shortly before the file's time limit
// (PARLEY_TEST_FILE_TIMEOUT_MS) it writes to stderr what the file is still waiting for: the named waits of
// @parley/testing (bounded, eventually) under way, and the kinds of handles keeping the process alive. The
// runner kills a file at its limit and reports only "cancelled"; this line is what is left to go on.
const limit = Number(process.env.PARLEY_TEST_FILE_TIMEOUT_MS);
if (process.env.NODE_TEST_CONTEXT && Number.isFinite(limit) && limit > 60_000) {
  const started = Date.now();
  setTimeout(() => {
    const waiting = globalThis[Symbol.for('parley.test.waiting')];
    const now = Date.now();
    const waits = waiting
      ? [...waiting.values()]
          .sort((a, b) => a.since - b.since)
          .map((w) => `  ${w.what} (for ${Math.round((now - w.since) / 1000)} s, at “${w.reached}”)`)
      : [];
    const handles = {};
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
    process.stderr.write(
      [
        `watchdog: ${process.argv.at(-1)} has run ${Math.round((now - started) / 1000)} s of its ${limit / 1000} s`,
        waits.length > 0 ? 'waits under way:' : 'no named wait under way',
        ...waits,
        `handles: ${JSON.stringify(handles)}`,
        '',
      ].join('\n'),
    );
  }, limit - 30_000).unref();
}
