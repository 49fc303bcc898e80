// Timing and summaries. The machine is shared and noisy: report min/median/max over repetitions, and compare
// only figures taken in the same repetition.

export interface Summary {
  min: number;
  median: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

/** Runs `fn` once and returns its result with the wall time it took, in milliseconds. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** Three significant digits with thousands separators: 0.00412, 12.3, 1,690, 425,000. */
export function sig3(x: number): string {
  return x.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

/** A ratio below one as `1/x` (x = how many of the reference fit in one of the measured), else `x.xx`. */
export function ratio(r: number): string {
  return r < 1 ? `1/${sig3(1 / r)}` : sig3(r);
}
