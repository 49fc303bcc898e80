// The few bytes-level helpers the package needs: u16-length-prefixed fields, in the TLS presentation style
// MLS uses, with a reader that reports malformed input as `undefined` instead of throwing.

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Concatenates fields, each prefixed by its length as a big-endian u16. */
export function opaque16(...fields: (Uint8Array | string)[]): Uint8Array {
  const bytes = fields.map((f) => (typeof f === 'string' ? utf8.encode(f) : f));
  const out = new Uint8Array(bytes.reduce((n, b) => n + 2 + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    if (b.length > 0xffff) throw new RangeError('field longer than 65535 bytes');
    out[at] = b.length >> 8;
    out[at + 1] = b.length & 0xff;
    out.set(b, at + 2);
    at += 2 + b.length;
  }
  return out;
}

/** Reads u16-prefixed fields from a byte string; every method returns undefined past the end. */
export class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u8(): number | undefined {
    return this.at < this.bytes.length ? this.bytes[this.at++] : undefined;
  }

  opaque16(): Uint8Array | undefined {
    if (this.at + 2 > this.bytes.length) return undefined;
    const length = ((this.bytes[this.at] ?? 0) << 8) | (this.bytes[this.at + 1] ?? 0);
    if (this.at + 2 + length > this.bytes.length) return undefined;
    const field = this.bytes.slice(this.at + 2, this.at + 2 + length);
    this.at += 2 + length;
    return field;
  }

  string16(): string | undefined {
    const field = this.opaque16();
    if (field === undefined) return undefined;
    try {
      return fromUtf8.decode(field);
    } catch {
      return undefined;
    }
  }

  get done(): boolean {
    return this.at === this.bytes.length;
  }
}

/** Constant-time equality of two byte strings of public length. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
