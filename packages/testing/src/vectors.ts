import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/testing/src/vectors.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The conformance vectors folder, `../shared/vectors` beside the repository (or `PARLEY_VECTORS`).
 * Throws when it is missing: a conformance test must never pass by finding nothing.
 */
export function vectorsDir(...parts: string[]): string {
  const base = process.env.PARLEY_VECTORS ?? resolve(repoRoot, '../shared/vectors');
  if (!existsSync(base)) throw new Error(`conformance vectors not found at ${base}`);
  return resolve(base, ...parts);
}
