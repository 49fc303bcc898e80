// RFC 8941 structured field values: the subset that Signature-Input, Signature and Content-Digest need
// (dictionaries, inner lists, items with parameters; integers, strings, tokens, byte sequences, booleans).
// Decimals are not supported: a decimal is reported as malformed. Parsing is stricter than RFC 8941 in one
// way: a repeated dictionary key or parameter key is malformed rather than silently overwritten, so two
// readers of the same header can never disagree about which value counts.

/** An RFC 8941 token (bare word such as `sha-256` in a value position), kept apart from strings. */
export class Token {
  constructor(readonly value: string) {}
}

export type BareItem = number | string | boolean | Token | Uint8Array;
export type Parameters = Map<string, BareItem>;
export interface Item {
  value: BareItem;
  params: Parameters;
}
export interface InnerList {
  items: Item[];
  params: Parameters;
}
export type Member = Item | InnerList;
export type Dictionary = Map<string, Member>;

export type ParseFailure = { ok: false; reason: 'tooLong' | 'malformed'; at: number };
export type Parsed<T> = { ok: true; value: T } | ParseFailure;

/** Caps applied while parsing; every field is refused beyond them before any work grows with it. */
export const LIMITS = {
  fieldLength: 8192,
  members: 32,
  innerListItems: 32,
  params: 16,
  stringLength: 1024,
  bytesLength: 4096,
} as const;

export function isInnerList(member: Member): member is InnerList {
  return 'items' in member;
}

class Malformed extends Error {
  constructor(
    readonly at: number,
    readonly reason: 'tooLong' | 'malformed' = 'malformed',
  ) {
    super('malformed structured field');
  }
}

const KEY_FIRST = /[a-z*]/;
const KEY_REST = /[a-z0-9_\-.*]/;
const TOKEN_FIRST = /[A-Za-z*]/;
const TOKEN_REST = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class Parser {
  pos = 0;
  constructor(readonly input: string) {}

  fail(): never {
    throw new Malformed(this.pos);
  }
  peek(): string | undefined {
    return this.input[this.pos];
  }
  eat(char: string): void {
    if (this.input[this.pos] !== char) this.fail();
    this.pos++;
  }
  skip(chars: string): void {
    while (this.pos < this.input.length && chars.includes(this.input[this.pos] as string)) this.pos++;
  }
  done(): boolean {
    return this.pos >= this.input.length;
  }

  dictionary(): Dictionary {
    const dict: Dictionary = new Map();
    while (!this.done()) {
      const key = this.key();
      if (dict.has(key)) this.fail();
      if (dict.size >= LIMITS.members) throw new Malformed(this.pos, 'tooLong');
      if (this.peek() === '=') {
        this.pos++;
        dict.set(key, this.peek() === '(' ? this.innerList() : this.item());
      } else {
        dict.set(key, { value: true, params: this.params() });
      }
      this.skip(' \t');
      if (this.done()) return dict;
      this.eat(',');
      this.skip(' \t');
      if (this.done()) this.fail(); // trailing comma
    }
    return dict;
  }

  innerList(): InnerList {
    this.eat('(');
    const items: Item[] = [];
    while (!this.done()) {
      this.skip(' ');
      if (this.peek() === ')') {
        this.pos++;
        return { items, params: this.params() };
      }
      if (items.length >= LIMITS.innerListItems) throw new Malformed(this.pos, 'tooLong');
      items.push(this.item());
      const next = this.peek();
      if (next !== ' ' && next !== ')') this.fail();
    }
    return this.fail();
  }

  item(): Item {
    const value = this.bareItem();
    return { value, params: this.params() };
  }

  params(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === ';') {
      this.pos++;
      this.skip(' ');
      const key = this.key();
      if (params.has(key)) this.fail();
      if (params.size >= LIMITS.params) throw new Malformed(this.pos, 'tooLong');
      let value: BareItem = true;
      if (this.peek() === '=') {
        this.pos++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }

  key(): string {
    const start = this.pos;
    if (!KEY_FIRST.test(this.peek() ?? '')) this.fail();
    this.pos++;
    while (KEY_REST.test(this.peek() ?? '')) this.pos++;
    if (this.pos - start > 64) throw new Malformed(start, 'tooLong');
    return this.input.slice(start, this.pos);
  }

  bareItem(): BareItem {
    const c = this.peek() ?? '';
    if (c === '-' || (c >= '0' && c <= '9')) return this.integer();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    if (TOKEN_FIRST.test(c)) return this.token();
    return this.fail();
  }

  integer(): number {
    const start = this.pos;
    if (this.peek() === '-') this.pos++;
    const digitsStart = this.pos;
    while (/[0-9]/.test(this.peek() ?? '')) this.pos++;
    const digits = this.pos - digitsStart;
    if (digits === 0 || digits > 15 || this.peek() === '.') this.fail();
    return Number(this.input.slice(start, this.pos));
  }

  string(): string {
    this.eat('"');
    let out = '';
    while (!this.done()) {
      const c = this.input[this.pos++] as string;
      if (c === '"') return out;
      if (c === '\\') {
        const next = this.input[this.pos++];
        if (next !== '"' && next !== '\\') this.fail();
        out += next;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail();
        out += c;
      }
      if (out.length > LIMITS.stringLength) throw new Malformed(this.pos, 'tooLong');
    }
    return this.fail();
  }

  token(): Token {
    const start = this.pos++;
    while (TOKEN_REST.test(this.peek() ?? '')) this.pos++;
    if (this.pos - start > LIMITS.stringLength) throw new Malformed(start, 'tooLong');
    return new Token(this.input.slice(start, this.pos));
  }

  bytes(): Uint8Array {
    this.eat(':');
    const end = this.input.indexOf(':', this.pos);
    if (end < 0) this.fail();
    const text = this.input.slice(this.pos, end);
    if (text.length > LIMITS.bytesLength) throw new Malformed(this.pos, 'tooLong');
    if (!BASE64.test(text)) this.fail();
    this.pos = end + 1;
    return new Uint8Array(Buffer.from(text, 'base64'));
  }

  boolean(): boolean {
    this.eat('?');
    const c = this.input[this.pos++];
    if (c === '1') return true;
    if (c === '0') return false;
    return this.fail();
  }
}

function run<T>(input: string, parse: (p: Parser) => T): Parsed<T> {
  if (input.length > LIMITS.fieldLength) return { ok: false, reason: 'tooLong', at: LIMITS.fieldLength };
  const parser = new Parser(input);
  try {
    parser.skip(' ');
    const value = parse(parser);
    parser.skip(' ');
    if (!parser.done()) parser.fail();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: err.reason, at: err.at };
    throw err;
  }
}

/**
 * Parses an RFC 8941 Dictionary field value (such as Signature-Input, Signature or Content-Digest),
 * returning a typed failure for malformed or oversized input instead of throwing.
 *
 * @example
 * const parsed = parseDictionary('sig1=:AAEC:');
 * if (parsed.ok) parsed.value.get('sig1'); // { value: Uint8Array [0, 1, 2], params: Map {} }
 */
export function parseDictionary(input: string): Parsed<Dictionary> {
  return run(input, (p) => p.dictionary());
}

/**
 * Parses an RFC 8941 Item field value, such as a serialized component identifier `"signature";key="sig1"`.
 *
 * @example
 * const parsed = parseItem('"@method";req');
 * if (parsed.ok) parsed.value.params.get('req'); // true
 */
export function parseItem(input: string): Parsed<Item> {
  return run(input, (p) => p.item());
}

/**
 * Serializes a bare item; throws a TypeError or RangeError for values RFC 8941 cannot carry (a bug in the caller).
 *
 * @example
 * serializeBareItem('a "b"'); // '"a \\"b\\""'
 */
export function serializeBareItem(value: BareItem): string {
  if (typeof value === 'boolean') return value ? '?1' : '?0';
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > 999_999_999_999_999) {
      throw new RangeError('structured field integers are whole numbers of at most 15 digits');
    }
    return String(value);
  }
  if (typeof value === 'string') {
    if (!/^[\x20-\x7e]*$/.test(value)) throw new TypeError('structured field strings are printable ASCII');
    return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
  if (value instanceof Token) {
    if (!TOKEN_FIRST.test(value.value.charAt(0)) || ![...value.value].every((c) => TOKEN_REST.test(c))) {
      throw new TypeError(`not a structured field token: ${value.value}`);
    }
    return value.value;
  }
  return `:${Buffer.from(value).toString('base64')}:`;
}

function serializeKey(key: string): string {
  if (!/^[a-z*][a-z0-9_\-.*]*$/.test(key)) throw new TypeError(`not a structured field key: ${key}`);
  return key;
}

export function serializeParams(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) {
    out += `;${serializeKey(key)}${value === true ? '' : `=${serializeBareItem(value)}`}`;
  }
  return out;
}

/**
 * Serializes an Item with its parameters, in the parameters' insertion order.
 *
 * @example
 * serializeItem({ value: 'signature', params: new Map([['req', true], ['key', 'sig1']]) }); // '"signature";req;key="sig1"'
 */
export function serializeItem(item: Item): string {
  return serializeBareItem(item.value) + serializeParams(item.params);
}

/**
 * Serializes an Inner List with its parameters: the form of a Signature-Input member and of `@signature-params`.
 *
 * @example
 * serializeInnerList({ items: [{ value: '@method', params: new Map() }], params: new Map([['created', 1]]) });
 * // '("@method");created=1'
 */
export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParams(list.params)}`;
}

export function serializeMember(member: Member): string {
  return isInnerList(member) ? serializeInnerList(member) : serializeItem(member);
}

/**
 * Serializes an RFC 8941 Dictionary; a member whose value is the boolean true is written as its bare key.
 *
 * @example
 * serializeDictionary(new Map([['sig1', { value: new Uint8Array([0, 1, 2]), params: new Map() }]])); // 'sig1=:AAEC:'
 */
export function serializeDictionary(dict: Dictionary): string {
  const parts: string[] = [];
  for (const [key, member] of dict) {
    const bareTrue = !isInnerList(member) && member.value === true;
    parts.push(
      serializeKey(key) + (bareTrue ? serializeParams(member.params) : `=${serializeMember(member)}`),
    );
  }
  return parts.join(', ');
}
