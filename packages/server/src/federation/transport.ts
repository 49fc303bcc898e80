/**
 * The bytes of a federation request: one POST over node:http(s) with keep-alive connections per peer. It is
 * leaner than fetch (no WHATWG streams, Request and Headers objects per call), which showed in the hub's
 * profile under load. Redirects are not followed; an answer larger than `maxBytes` is cut off and reported.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/** The client module and its kept-alive connections, by URL scheme. */
const schemes: Record<string, { module: typeof http | typeof https; agent: http.Agent }> = {
  'http:': { module: http, agent: new http.Agent({ keepAlive: true, maxSockets: 8 }) },
  'https:': { module: https, agent: new https.Agent({ keepAlive: true, maxSockets: 8 }) },
};

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Undefined when the body was larger than allowed. */
  body: Buffer | undefined;
}

/** Rejects (an Error with a `name`) when there is no answer within `timeoutMs`, or no connection. */
export function postBytes(
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
  maxBytes: number,
): Promise<Answer> {
  const scheme = schemes[url.protocol];
  if (!scheme) {
    return Promise.reject(
      Object.assign(new Error(`unsupported scheme ${url.protocol}`), { name: 'TypeError' }),
    );
  }
  return new Promise<Answer>((resolve, reject) => {
    const request = scheme.module.request(
      url,
      {
        method: 'POST',
        agent: scheme.agent,
        headers: { ...headers, 'content-length': String(body.byteLength) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let length = 0;
        let tooLarge = false;
        response.on('data', (chunk: Buffer) => {
          if (tooLarge) return;
          length += chunk.byteLength;
          if (length > maxBytes) {
            tooLarge = true;
            clearTimeout(timer);
            chunks.length = 0;
            response.destroy();
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: undefined });
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          });
        });
        response.on('error', fail);
      },
    );
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' });
      request.destroy(error);
    }, timeoutMs);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    request.on('error', fail);
    request.end(body);
  });
}
