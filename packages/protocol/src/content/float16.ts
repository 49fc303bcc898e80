// IEEE 754 binary16 conversions for CBOR's preferred float serialization.

/** The value of a binary16 bit pattern. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** The binary16 bit pattern that represents `v` exactly, or undefined when there is none (NaN included). */
export function numberToHalfExact(v: number): number | undefined {
  if (Number.isNaN(v)) return undefined;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === 0) return sign;
  if (a === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  if (a < 2 ** -14) {
    const m = a * 2 ** 24; // subnormal: a multiple of 2^-24
    return Number.isInteger(m) ? sign | m : undefined;
  }
  const e = Math.floor(Math.log2(a));
  // Math.log2 can be off by one near powers of two: normalise so that 1 <= a / 2^e < 2.
  const exp = a / 2 ** e >= 2 ? e + 1 : a / 2 ** e < 1 ? e - 1 : e;
  if (exp > 15) return undefined;
  const m = (a / 2 ** exp - 1) * 1024;
  if (!Number.isInteger(m)) return undefined;
  return sign | ((exp + 15) << 10) | m;
}
