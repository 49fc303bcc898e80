// A minimal XMPP client (RFC 6120, RFC 6121) over node:net for the federation bench: plain TCP to a server on
// loopback, SASL PLAIN, resource binding, the legacy session when the server requires it, initial presence;
// then raw stanzas out, and every incoming stanza to `onStanza`. No TLS and no stream management (XEP-0198):
// the bench's servers are on loopback and its runs check delivery themselves. Written raw, not with a library,
// so that the client's own cost stays small and visible, as with the Parley devices.
import net from 'node:net';
import { within } from './parleyDevices.ts';
import { child, escapeXml, type XmlElement, XmlStream } from './xmppStream.ts';

export interface XmppLogin {
  host: string;
  port: number;
  domain: string;
  user: string;
  password: string;
  resource: string;
}

const SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

export class XmppClient {
  /** Every stanza after login (presence, message, iq results); iq requests are answered here. */
  onStanza: (el: XmlElement) => void = () => {};
  /** The connection broke or the server closed the stream (not called after `close`). */
  onTrouble: (reason: string) => void = () => {};
  private readonly parser = new XmlStream();
  private readonly closed: Promise<void>;
  private ready = false;
  private closing = false;
  private corked = false;
  private trouble: string | undefined;
  /** Login: what arrived before anyone waited for it. */
  private readonly inbox: XmlElement[] = [];
  /** Login: stanzas that are not part of it, for `onStanza` once logged in. */
  private readonly early: XmlElement[] = [];
  private waiter: { resolve: (el: XmlElement) => void; reject: (e: Error) => void } | undefined;
  private nextId = 0;

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.broken(e instanceof Error ? e.message : String(e));
        socket.destroy();
      }
    });
    socket.on('error', (e) => this.broken(`connection error: ${e.message}`));
    socket.on('close', () => this.broken('connection closed'));
    this.parser.onClose = () => this.broken('the server closed the stream');
    this.parser.onElement = (el) => (this.ready ? this.deliver(el) : this.take(el));
  }

  /** Connects and logs in; rejects on refusal or after `timeoutMs`. */
  static async connect(login: XmppLogin, timeoutMs = 10_000): Promise<XmppClient> {
    const socket = net.connect(login.port, login.host);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new XmppClient(socket);
    const timer = setTimeout(() => client.broken(`login took over ${timeoutMs} ms`), timeoutMs);
    try {
      await client.login(login);
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  /** Stanzas sent in one turn of the event loop leave in one write, as the Parley device's frames do. */
  send(xml: string): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(xml);
  }

  /** Ends the stream and the connection (forcibly after 2 s). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.socket.destroyed) return;
    this.socket.end('</stream:stream>');
    if (!(await within(this.closed, 2_000))) this.socket.destroy();
  }

  private async login({ domain, user, password, resource }: XmppLogin): Promise<void> {
    let features = await this.open(domain);
    const offered = (child(features, 'mechanisms')?.children ?? []).flatMap((m) =>
      typeof m === 'string' || m.name !== 'mechanism' ? [] : [m.children.join('')],
    );
    if (!offered.includes('PLAIN'))
      throw new Error(`xmpp: ${domain} offers no SASL PLAIN (${offered.join(', ')})`);
    const credentials = Buffer.from(`\0${user}\0${password}`).toString('base64');
    this.send(`<auth xmlns='${SASL}' mechanism='PLAIN'>${credentials}</auth>`);
    const answer = await this.next();
    if (answer.name !== 'success') throw new Error(`xmpp: ${user}@${domain} refused (${answer.name})`);
    features = await this.open(domain);
    if (!child(features, 'bind')) throw new Error(`xmpp: ${domain} offers no resource binding`);
    const bind = `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${escapeXml(resource)}</resource></bind>`;
    await this.iq(bind);
    const session = child(features, 'session');
    if (session && !child(session, 'optional')) {
      await this.iq(`<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>`);
    }
    this.send('<presence/>');
    this.ready = true;
    for (const el of [...this.early.splice(0), ...this.inbox.splice(0)]) this.deliver(el);
  }

  /** Opens (or, after SASL, restarts) the stream and returns the server's stream features. */
  private async open(domain: string): Promise<XmlElement> {
    this.send(
      `<?xml version='1.0'?><stream:stream to='${escapeXml(domain)}' version='1.0' xmlns='jabber:client' ` +
        `xmlns:stream='http://etherx.jabber.org/streams'>`,
    );
    const features = await this.next();
    if (features.name !== 'stream:features') throw new Error(`xmpp: ${domain} sent ${features.name}`);
    return features;
  }

  /** Sends an iq set and returns its result; anything else that arrives meanwhile waits for `onStanza`. */
  private async iq(payload: string): Promise<XmlElement> {
    const id = `login-${this.nextId++}`;
    this.send(`<iq type='set' id='${id}'>${payload}</iq>`);
    for (;;) {
      const el = await this.next();
      if (el.name !== 'iq' || el.attrs.id !== id) {
        this.early.push(el);
        continue;
      }
      if (el.attrs.type !== 'result') throw new Error(`xmpp: iq ${id} answered ${el.attrs.type}`);
      return el;
    }
  }

  private next(): Promise<XmlElement> {
    const waiting = this.inbox.shift();
    if (waiting) return Promise.resolve(waiting);
    if (this.trouble) return Promise.reject(new Error(`xmpp: ${this.trouble}`));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private take(el: XmlElement): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve(el);
    else this.inbox.push(el);
  }

  private deliver(el: XmlElement): void {
    const { type, id, from } = el.attrs;
    if (el.name === 'iq' && (type === 'get' || type === 'set')) {
      // RFC 6120 §8.2.3: an iq request must be answered; this client offers nothing.
      const to = from === undefined ? '' : ` to='${escapeXml(from)}'`;
      this.send(
        `<iq type='error' id='${escapeXml(id ?? '')}'${to}><error type='cancel'>` +
          `<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      );
      return;
    }
    this.onStanza(el);
  }

  private broken(reason: string): void {
    if (this.closing || this.trouble) return;
    this.trouble = reason;
    this.waiter?.reject(new Error(`xmpp: ${reason}`));
    this.waiter = undefined;
    if (this.ready) this.onTrouble(reason);
  }
}
