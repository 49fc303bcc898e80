/**
 * Waiting in tests, always with a limit and a name. A test that waits without one and hangs uses up its file's
 * whole time limit and is reported with nothing but "cancelled"; these fail by name instead, and every wait
 * under way is listed in a registry that the runner's watchdog (scripts/test-watchdog.mjs) prints shortly
 * before the file's limit, so even a hang outside them says what was still waited for.
 */
import assert from 'node:assert/strict';

interface Waiting {
  what: string;
  since: number;
  reached: string;
}

/** The waits under way in this process, keyed by a counter; shared through `globalThis` with the watchdog. */
const shared = globalThis as Record<symbol, Map<number, Waiting> | undefined>;
const KEY = Symbol.for('parley.test.waiting');
const registry = shared[KEY] ?? new Map<number, Waiting>();
shared[KEY] = registry;
let counter = 0;

/**
 * `work`, failing with `what` (and the last step `work` said it reached) once `ms` have passed.
 *
 * @example
 * await bounded('set-up', 60_000, async (reached) => { reached('register alice'); await register(); });
 */
export async function bounded<T>(
  what: string,
  ms: number,
  work: (reached: (step: string) => void) => Promise<T>,
): Promise<T> {
  const id = ++counter;
  const entry: Waiting = { what, since: Date.now(), reached: 'start' };
  registry.set(id, entry);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not done after ${ms} ms, at “${entry.reached}”`)),
      ms,
    );
  });
  try {
    return await Promise.race([work((step) => (entry.reached = step)), late]);
  } finally {
    clearTimeout(timer);
    registry.delete(id);
  }
}

/** `work` (already started), failing with `what` after `ms`. */
export function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  return bounded(what, ms, () => work);
}

/**
 * Polls `check` every `everyMs` until it holds, failing with `what` (and `detail()`) after `ms`. A `check` that
 * itself never settles fails the same way: each call is bounded by the time left.
 *
 * @example
 * await eventually('bob has a request', async () => (await bob.requests()).length > 0);
 */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 45_000,
  detail: () => string = () => '',
  everyMs = 25,
): Promise<void> {
  const until = Date.now() + ms;
  const fail = () => assert.fail(`timed out after ${ms} ms waiting until ${what} ${detail()}`.trimEnd());
  await bounded(`waiting until ${what}`, ms + 1_000, async () => {
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) fail();
      let held: boolean;
      try {
        held = await within(`checking whether ${what}`, Math.max(left, 1), Promise.resolve(check()));
      } catch (error) {
        if (Date.now() >= until) fail();
        throw error;
      }
      if (held) return;
      if (Date.now() >= until) fail();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  });
}
