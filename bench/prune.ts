// `npm run bench:prune -- [--messages N] [--rooms N]`: what retention's prune costs a SQLite provider holding
// messages it may not delete yet (a member's device that is away), and then deleting them all once it is back.
// For each case it prints the prune's time and the longest the event loop waited meanwhile (what every other
// request of the provider waited too). Nothing is written outside a temporary folder, which is removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Storage } from '@parley/server';
import { openSqliteStorage } from '@parley/storage-sqlite';

function option(name: string, fallback: number, max: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`${name} takes a whole number from 1 to ${max}`);
    process.exit(2);
  }
  return n;
}

const messages = option('--messages', 200_000, 2_000_000);
const roomCount = option('--rooms', 100, 100_000);
const device = (handle: string) => ({
  id: `dev-${handle}`,
  name: 'phone',
  tokenHash: `h-${handle}`,
  createdAt: 0,
});

async function timedPrune(storage: Storage): Promise<string> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const started = performance.now();
  const deleted = await storage.rooms.prune(0);
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 10)); // lets the monitor see a stall at the very end
  delay.disable();
  return `${deleted} deleted in ${ms.toFixed(1)} ms, event loop waited ${(delay.max / 1e6).toFixed(1)} ms at most`;
}

const folder = mkdtempSync(join(tmpdir(), 'parley-bench-prune-'));
const storage = await openSqliteStorage({ path: join(folder, 'parley.db') });
try {
  for (const handle of ['alice', 'bob']) {
    await storage.accounts.register({ handle, passwordHash: 'x', createdAt: 0 }, device(handle));
  }
  const rooms = Array.from({ length: roomCount }, (_, i) => `room${i}`);
  for (const id of rooms)
    await storage.rooms.createRoom({ id, kind: 'group', creator: 'alice', createdAt: 0 }, ['bob']);
  const payload = new Uint8Array(350);
  for (let at = 0; at < messages; at += 1000) {
    const batch = Array.from({ length: Math.min(1000, messages - at) }, (_, i) => ({
      room: rooms[(at + i) % roomCount]!,
      sender: 'alice',
      device: 'dev-alice',
      payload,
      ts: Date.now(),
    }));
    await storage.rooms.appendMany(batch);
  }
  for (const room of rooms) await storage.rooms.ack('dev-alice', [{ room, seq: messages }]);
  console.log(`${messages} messages in ${roomCount} rooms; alice's device has read them all, bob's none`);
  for (let i = 1; i <= 3; i++) console.log(`  prune ${i} while bob is away: ${await timedPrune(storage)}`);
  for (const room of rooms) await storage.rooms.ack('dev-bob', [{ room, seq: messages }]);
  console.log(`  prune once bob has read them: ${await timedPrune(storage)}`);
} finally {
  await storage.close();
  rmSync(folder, { recursive: true, force: true });
}
