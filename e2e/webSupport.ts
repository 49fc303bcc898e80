/**
 * What the web app's browser test (web.test.ts) runs on: the app built when its sources are newer than its
 * build, an image whose bytes cannot turn up anywhere by chance, and SQLite files in folders the test knows, so
 * that it can read every provider's database after the conversation.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { repoRoot, sqliteFiles } from '@parley/testing';

export const WEB = join(repoRoot, 'apps/web');

/** Newest modification time under a folder (source files only). */
function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(path)
      .filter((n) => n !== 'node_modules' && n !== 'dist' && !n.startsWith('.'))
      .map((n) => newest(join(path, n))),
  );
}

/** Builds apps/web with Vite's JS API when dist/ is missing or older than the sources it is made from. */
export async function ensureBuilt(): Promise<void> {
  const built = join(WEB, 'dist/index.html');
  const sources = ['apps/web/src', 'apps/web/index.html', 'apps/web/vite.config.ts', 'packages/sdk/src']
    .concat(['packages/protocol/src', 'packages/crypto/src'])
    .map((p) => newest(join(repoRoot, p)));
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources)) return;
  const { build } = await import('vite');
  await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
}

/** A PNG (a sunset gradient with random noise in every pixel): its bytes cannot turn up anywhere by chance. */
export function randomPng(width = 160, height = 96): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const noise = randomBytes(width * height * 3);
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (1 + width * 3) + 1 + x * 3;
      const n = (i: number) => noise[(y * width + x) * 3 + i]! & 31;
      rows[at] = 200 + ((x * 40) / width + n(0)) * 0.8;
      rows[at + 1] = 60 + (y * 120) / height + n(1);
      rows[at + 2] = 90 + (x * 100) / width + n(2);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** SQLite files in folders this test knows, so that it can read them after the conversation. */
export const dataDirs: string[] = [];
export const webBackend = sqliteFiles({ prefix: 'parley-web-', folders: dataDirs });
