// The reference an MLS operation is compared with: one raw node:crypto AES-128-GCM seal or open of the same
// payload, the primitive an MLS application message is built around, with no MLS framing, key schedule or
// signatures.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const TAG = 16;

function nonce(counter: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(counter, 8);
  return n;
}

/** Seals `count` copies of `payload` under distinct nonces, then opens them; milliseconds per operation. */
export function rawAesGcm(payload: Uint8Array, count: number): { sealMs: number; openMs: number } {
  const key = randomBytes(16);
  const sealed: Buffer[] = new Array(count);
  let started = performance.now();
  for (let i = 0; i < count; i++) {
    const cipher = createCipheriv('aes-128-gcm', key, nonce(i));
    sealed[i] = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  }
  const sealMs = (performance.now() - started) / count;
  let opened = 0;
  started = performance.now();
  for (let i = 0; i < count; i++) {
    const box = sealed[i]!;
    const decipher = createDecipheriv('aes-128-gcm', key, nonce(i));
    decipher.setAuthTag(box.subarray(box.length - TAG));
    opened += Buffer.concat([decipher.update(box.subarray(0, box.length - TAG)), decipher.final()]).length;
  }
  const openMs = (performance.now() - started) / count;
  if (opened !== count * payload.length) throw new Error('raw AES-GCM round trip lost bytes');
  return { sealMs, openMs };
}
