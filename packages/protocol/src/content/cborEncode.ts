// A strict CBOR encoder producing deterministic encoding (RFC 8949 §4.2.1): shortest heads, definite lengths,
// shortest exact floats, map entries sorted by the bytewise order of their encoded keys.
import { CborFloat, CborSimple, CborTag, type CborValue } from './cborValue.js';
import { ContentError } from './errors.js';
import { numberToHalfExact } from './float16.js';

/** Containers deeper than this are refused (this also stops cyclic structures). */
export const MAX_CBOR_DEPTH = 16;

const UINT64_MAX = 2n ** 64n - 1n;
const LONE_SURROGATE = /\p{Cs}/u;
const utf8 = new TextEncoder();

function fail(message: string): never {
  throw new ContentError('invalid', message);
}

/** Bytewise lexicographic order, shorter first on a common prefix. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** UTF-8 of a well-formed string (lone surrogates cannot be encoded faithfully). */
export function utf8Bytes(s: string): Uint8Array {
  if (LONE_SURROGATE.test(s)) fail('text contains a lone surrogate');
  return utf8.encode(s);
}

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  head(major: number, arg: number | bigint): void {
    const n = BigInt(arg);
    if (n < 0n || n > UINT64_MAX) fail(`argument ${n} out of range`);
    const mt = major << 5;
    if (n < 24n) {
      this.byte(mt | Number(n));
      return;
    }
    const size = n <= 0xffn ? 1 : n <= 0xffffn ? 2 : n <= 0xffffffffn ? 4 : 8;
    this.byte(mt | { 1: 24, 2: 25, 4: 26, 8: 27 }[size]!);
    for (let i = size - 1; i >= 0; i--) this.byte(Number((n >> BigInt(8 * i)) & 0xffn));
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function floatBytes(v: number): Uint8Array {
  if (Number.isNaN(v)) return Uint8Array.of(0xf9, 0x7e, 0x00);
  const half = numberToHalfExact(v);
  if (half !== undefined) return Uint8Array.of(0xf9, half >> 8, half & 0xff);
  const single = Math.fround(v) === v;
  const out = new DataView(new ArrayBuffer(single ? 5 : 9));
  out.setUint8(0, single ? 0xfa : 0xfb);
  if (single) out.setFloat32(1, v);
  else out.setFloat64(1, v);
  return new Uint8Array(out.buffer);
}

function encodeInt(w: Writer, v: number | bigint): void {
  const n = BigInt(v);
  if (n >= 0n) w.head(0, n);
  else w.head(1, -1n - n);
}

function simpleBytes(s: number): Uint8Array {
  if (!Number.isInteger(s) || s < 0 || s > 255 || (s >= 20 && s < 32)) fail(`simple value ${s} out of range`);
  return s < 24 ? Uint8Array.of(0xe0 | s) : Uint8Array.of(0xf8, s);
}

const CONSTANTS = new Map<unknown, number>([
  [false, 0xf4],
  [true, 0xf5],
  [null, 0xf6],
  [undefined, 0xf7],
]);

function encodeItem(w: Writer, v: CborValue, depth: number): void {
  if (depth > MAX_CBOR_DEPTH) throw new ContentError('tooDeep', `nesting deeper than ${MAX_CBOR_DEPTH}`);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(`number ${v} is not a safe integer (wrap floats in CborFloat)`);
    encodeInt(w, v);
  } else if (typeof v === 'bigint') {
    encodeInt(w, v);
  } else if (typeof v === 'string') {
    const b = utf8Bytes(v);
    w.head(3, b.length);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.bytes(v);
  } else if (CONSTANTS.has(v)) {
    w.byte(CONSTANTS.get(v)!);
  } else if (Array.isArray(v)) {
    w.head(4, v.length);
    for (const item of v) encodeItem(w, item, depth + 1);
  } else if (v instanceof Map) {
    encodeMap(w, v, depth);
  } else if (v instanceof CborTag) {
    checkBignum(v);
    w.head(6, v.tag);
    encodeItem(w, v.value, depth + 1);
  } else if (v instanceof CborFloat) {
    w.bytes(floatBytes(v.value));
  } else if (v instanceof CborSimple) {
    w.bytes(simpleBytes(v.value));
  } else {
    fail(`cannot encode a ${typeof v} as CBOR`);
  }
}

function encodeMap(w: Writer, m: Map<CborValue, CborValue>, depth: number): void {
  const entries = [...m].map(([k, val]) => ({ key: encodeCbor(k, depth + 1), val }));
  entries.sort((a, b) => compareBytes(a.key, b.key));
  w.head(5, entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (i > 0 && compareBytes(entries[i - 1]!.key, e.key) === 0) fail('duplicate map key');
    w.bytes(e.key);
    encodeItem(w, e.val, depth + 1);
  }
}

/** Bignums (tags 2 and 3) must hold more than 8 bytes without leading zeros, or be plain integers. */
export function checkBignum(t: CborTag): void {
  if (t.tag !== 2 && t.tag !== 3 && t.tag !== 2n && t.tag !== 3n) return;
  const b = t.value;
  if (!(b instanceof Uint8Array)) fail('a bignum tag must wrap a byte string');
  if (b.length <= 8 || b[0] === 0)
    fail('a bignum that fits 64 bits or has leading zeros is not deterministic');
}

/** The deterministic encoding of one data item; `depth` is the nesting level the item sits at. */
export function encodeCbor(v: CborValue, depth = 0): Uint8Array {
  const w = new Writer();
  encodeItem(w, v, depth);
  return w.result();
}
