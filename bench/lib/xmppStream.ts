// A small streaming reader of one XMPP stream (RFC 6120 §4): it takes the bytes as they come, reports the
// stream's opening and closing tags, and hands over each top-level element (a stanza, or a feature or SASL
// element) once its closing tag has arrived, as a little tree. Enough for the federation bench's raw client:
// no namespaces resolved (prefixes stay in names), no CDATA, and comments, processing instructions other than
// the XML declaration, and DTDs are refused, as RFC 6120 §11.1 forbids them in a stream.
import { StringDecoder } from 'node:string_decoder';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ESCAPES: Record<string, string> = Object.fromEntries(
  Object.entries(ENTITIES).map(([k, v]) => [v, `&${k};`]),
);

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Escapes text for an attribute value or character data. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The concatenated character data of `el`'s direct child named `name`, if there is one. */
export function childText(el: XmlElement, name: string): string | undefined {
  const child = el.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === name);
  return child?.children.filter((c): c is string => typeof c === 'string').join('');
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === name);
}

/** Index of the `>` that ends the tag opening at `from`, skipping quoted attribute values; -1 if not here yet. */
function tagEnd(buf: string, from: number): number {
  let quote = '';
  for (let i = from + 1; i < buf.length; i++) {
    const c = buf[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

export class XmlStream {
  onOpen: (attrs: Record<string, string>) => void = () => {};
  onElement: (el: XmlElement) => void = () => {};
  onClose: () => void = () => {};
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  /** Open elements inside the stream; empty between stanzas. */
  private readonly open: XmlElement[] = [];

  /** Feeds bytes; throws on XML this reader does not take (the caller ends the stream). */
  push(chunk: Buffer): void {
    this.buf += this.decoder.write(chunk);
    let at = 0;
    for (;;) {
      const lt = this.buf.indexOf('<', at);
      if (lt === -1) break; // text without its end yet, kept for the next chunk
      if (lt > at && this.open.length > 0) this.open.at(-1)!.children.push(decodeXml(this.buf.slice(at, lt)));
      at = lt;
      const gt = tagEnd(this.buf, lt);
      if (gt === -1) break;
      this.tag(this.buf.slice(lt + 1, gt));
      at = gt + 1;
    }
    this.buf = this.buf.slice(at);
  }

  private tag(inner: string): void {
    if (inner.startsWith('?xml')) return;
    if (inner.startsWith('?') || inner.startsWith('!')) throw new Error(`xmpp: refused markup <${inner}>`);
    if (inner.startsWith('/')) {
      const done = this.open.pop();
      // No element open: this closes the stream itself.
      if (!done) this.onClose();
      else if (this.open.length === 0) this.onElement(done);
      return;
    }
    const empty = inner.endsWith('/');
    const body = empty ? inner.slice(0, -1) : inner;
    const name = /^[^\s/>]+/.exec(body)?.[0] ?? '';
    const attrs: Record<string, string> = {};
    for (const m of body.slice(name.length).matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attrs[m[1]!] = decodeXml(m[2] ?? m[3] ?? '');
    }
    if (name === 'stream:stream' && this.open.length === 0) {
      this.onOpen(attrs);
      return;
    }
    const el: XmlElement = { name, attrs, children: [] };
    this.open.at(-1)?.children.push(el);
    if (!empty) this.open.push(el);
    else if (this.open.length === 0) this.onElement(el);
  }
}
