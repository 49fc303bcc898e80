// A strict CBOR decoder: accepts only well-formed, deterministically encoded input (RFC 8949 §4.2.1) and throws
// nothing but ContentError. Every length is checked against the bytes left before anything is allocated.

import { compareBytes, MAX_CBOR_DEPTH } from './cborEncode.js';
import { CborFloat, CborSimple, CborTag, type CborValue } from './cborValue.js';
import { ContentError } from './errors.js';
import { halfToNumber, numberToHalfExact } from './float16.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(message: string): never {
  throw new ContentError('malformed', message);
}

function nonDeterministic(message: string): never {
  throw new ContentError('nonDeterministic', message);
}

class Reader {
  pos = 0;
  constructor(readonly data: Uint8Array) {}

  take(n: number): Uint8Array {
    if (n > this.data.length - this.pos) malformed(`truncated: ${n} bytes needed at offset ${this.pos}`);
    const out = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint(size: number): number | bigint {
    const b = this.take(size);
    if (size < 8) return b.reduce((acc, x) => acc * 256 + x, 0);
    const n = b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
}

/** Reads an item head: major type, additional information and (for lengths and integers) its argument. */
function readHead(r: Reader): { major: number; info: number; arg: number | bigint } {
  const start = r.pos;
  const [ib] = r.take(1);
  const major = ib! >> 5;
  const info = ib! & 0x1f;
  if (info < 24) return { major, info, arg: info };
  if (info === 31) {
    if (major === 7) malformed(`unexpected break at offset ${start}`);
    if (major >= 2 && major <= 5) nonDeterministic(`indefinite length at offset ${start}`);
    malformed(`invalid additional information 31 at offset ${start}`);
  }
  if (info > 27) malformed(`reserved additional information ${info} at offset ${start}`);
  if (major === 7 && info > 24) return { major, info, arg: 0 }; // a float: its bytes are read by readFloat
  const size = 1 << (info - 24);
  const arg = r.uint(size);
  if (major !== 7) {
    const min = size === 1 ? 24 : 2 ** (4 * size); // 24, 0x100, 0x10000, 0x100000000
    if (arg < min) nonDeterministic(`over-long argument at offset ${start}`);
  }
  return { major, info, arg };
}

function readFloat(r: Reader, info: number, start: number): CborFloat {
  const bytes = r.take(1 << (info - 24));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const value =
    info === 25 ? halfToNumber(view.getUint16(0)) : info === 26 ? view.getFloat32(0) : view.getFloat64(0);
  if (Number.isNaN(value)) {
    if (info !== 25 || view.getUint16(0) !== 0x7e00)
      nonDeterministic(`NaN other than f97e00 at offset ${start}`);
  } else if (info > 25 && numberToHalfExact(value) !== undefined) {
    nonDeterministic(`float at offset ${start} fits half precision`);
  } else if (info === 27 && Math.fround(value) === value) {
    nonDeterministic(`float at offset ${start} fits single precision`);
  }
  return new CborFloat(value);
}

function readSimple(r: Reader, info: number, arg: number | bigint, start: number): CborValue {
  if (info >= 25) return readFloat(r, info, start);
  const n = Number(arg);
  if (info === 24 && n < 32) malformed(`two-byte simple value ${n} at offset ${start}`);
  if (n === 20 || n === 21) return n === 21;
  if (n === 22) return null;
  if (n === 23) return undefined;
  return new CborSimple(n);
}

function readItem(r: Reader, depth: number): CborValue {
  if (depth > MAX_CBOR_DEPTH) throw new ContentError('tooDeep', `nesting deeper than ${MAX_CBOR_DEPTH}`);
  const start = r.pos;
  const { major, info, arg } = readHead(r);
  const left = r.data.length - r.pos;
  switch (major) {
    case 0:
      return arg;
    case 1:
      return typeof arg === 'number' && arg < Number.MAX_SAFE_INTEGER ? -1 - arg : -1n - BigInt(arg);
    case 2:
    case 3: {
      if (arg > left) malformed(`truncated string at offset ${start}`);
      const bytes = r.take(Number(arg));
      if (major === 2) return bytes;
      try {
        return utf8.decode(bytes);
      } catch {
        return malformed(`invalid UTF-8 in text string at offset ${start}`);
      }
    }
    case 4: {
      if (arg > left) malformed(`array at offset ${start} longer than the input`);
      const out: CborValue[] = [];
      for (let i = 0; i < Number(arg); i++) out.push(readItem(r, depth + 1));
      return out;
    }
    case 5:
      if (arg > left) malformed(`map at offset ${start} longer than the input`);
      return readMap(r, Number(arg), depth);
    case 6: {
      const tag = new CborTag(arg, readItem(r, depth + 1));
      if (arg === 2 || arg === 3) {
        const b = tag.value;
        if (!(b instanceof Uint8Array)) malformed(`bignum at offset ${start} does not wrap a byte string`);
        if (b.length <= 8 || b[0] === 0)
          nonDeterministic(`bignum at offset ${start} is not in preferred form`);
      }
      return tag;
    }
    default:
      return readSimple(r, info, arg, start);
  }
}

function readMap(r: Reader, count: number, depth: number): Map<CborValue, CborValue> {
  const out = new Map<CborValue, CborValue>();
  let previous: Uint8Array | undefined;
  for (let i = 0; i < count; i++) {
    const keyStart = r.pos;
    const key = readItem(r, depth + 1);
    const keyBytes = r.data.subarray(keyStart, r.pos);
    if (previous) {
      const order = compareBytes(previous, keyBytes);
      if (order === 0) malformed(`duplicate map key at offset ${keyStart}`);
      if (order > 0) nonDeterministic(`map key at offset ${keyStart} out of order`);
    }
    previous = keyBytes;
    out.set(key, readItem(r, depth + 1));
  }
  return out;
}

/** Decodes exactly one deterministically encoded data item filling all of `bytes`. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const r = new Reader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const value = readItem(r, 0);
  if (r.pos !== bytes.length) malformed(`${bytes.length - r.pos} trailing bytes after the data item`);
  return value;
}
