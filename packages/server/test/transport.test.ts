/**
 * The federation transport on a real loopback server: answers with status, headers and body; an answer over
 * the size limit is cut off; no answer in time and no listener at all are errors with a name; requests share
 * a kept-alive connection.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { postBytes } from '../src/federation/transport.js';

describe('federation transport', () => {
  let server: http.Server;
  let base: string;
  const connections = new Set<unknown>();
  let seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
        if (request.url === '/silent') return; // never answers
        const size = request.url === '/big' ? 64 * 1024 : 0;
        response.setHeader('x-answer', 'yes');
        response.end(size > 0 ? 'x'.repeat(size) : '{"ok":true}');
      });
    });
    server.on('connection', (socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the body and headers, and gives back status, headers and body', async () => {
    seen = [];
    const answer = await postBytes(
      new URL(`${base}/echo`),
      { 'content-type': 'application/json', 'parley-origin': 'a.localhost' },
      Buffer.from('{"hello":1}'),
      5_000,
      1024,
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-answer'], 'yes');
    assert.equal(answer.body?.toString(), '{"ok":true}');
    assert.equal(seen[0]?.body, '{"hello":1}');
    assert.equal(seen[0]?.headers['parley-origin'], 'a.localhost');
    assert.equal(seen[0]?.headers['content-length'], '11');
  });

  it('reuses one connection for requests one after another', async () => {
    const before = connections.size;
    for (let i = 0; i < 5; i++) await postBytes(new URL(`${base}/echo`), {}, Buffer.from('{}'), 5_000, 1024);
    assert.ok(connections.size - before <= 1, `${connections.size - before} new connections for 5 requests`);
  });

  it('reports an answer over the limit without its body', async () => {
    const answer = await postBytes(new URL(`${base}/big`), {}, Buffer.from('{}'), 5_000, 1024);
    assert.equal(answer.body, undefined);
  });

  it('gives up on a peer that does not answer, with a TimeoutError', async () => {
    const started = Date.now();
    await assert.rejects(
      postBytes(new URL(`${base}/silent`), {}, Buffer.from('{}'), 200, 1024),
      (error: Error) => error.name === 'TimeoutError',
    );
    assert.ok(Date.now() - started < 5_000);
  });

  it('rejects when nothing listens, and for a scheme it does not speak', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      postBytes(new URL(`http://127.0.0.1:${port}/x`), {}, Buffer.from('{}'), 2_000, 1024),
    );
    await assert.rejects(
      postBytes(new URL('ftp://127.0.0.1/x'), {}, Buffer.from('{}'), 2_000, 1024),
      (error: Error) => error.name === 'TypeError',
    );
  });
});
