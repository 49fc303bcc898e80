/**
 * What the server tests share beyond `@parley/testing`: raw HTTP (for requests fetch would tidy up, and for a
 * second loopback source address), raw WebSockets, and the check that an answer is our JSON error.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { StreamClient } from '@parley/testing';
import WebSocket from 'ws';

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Source address on the loopback network (127.0.0.2 looks like another client). */
  localAddress?: string;
  agent?: http.Agent;
}

/** One HTTP request exactly as given; never throws for a status, only for a broken connection. */
export function raw(base: string, request: RawRequest): Promise<RawReply> {
  const url = new URL(base);
  if (url.hostname !== '127.0.0.1') throw new Error(`tests talk to 127.0.0.1 only, not ${url.hostname}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: url.port,
        method: request.method,
        path: request.path,
        headers: {
          ...(request.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(request.body)) }),
          ...request.headers,
        },
        ...(request.localAddress ? { localAddress: request.localAddress } : {}),
        ...(request.agent ? { agent: request.agent } : {}),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path} timed out`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** A JSON POST from a chosen loopback source address. */
export async function postFrom(
  base: string,
  localAddress: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
  const reply = await raw(base, {
    method: 'POST',
    path,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    localAddress,
  });
  return { status: reply.status, body: JSON.parse(reply.text), headers: reply.headers };
}

/** Asserts `{ "error": { "code", "message" } }` and nothing else; returns the code. */
export function errorCode(body: unknown, context = ''): string {
  assert.ok(body && typeof body === 'object' && !Array.isArray(body), `error body is an object ${context}`);
  const { error, ...rest } = body as { error?: unknown };
  assert.deepEqual(rest, {}, `nothing beside "error" ${context}`);
  assert.ok(error && typeof error === 'object', `"error" is an object ${context}`);
  const { code, message, ...extra } = error as { code?: unknown; message?: unknown };
  assert.equal(typeof code, 'string', `error.code is a string ${context}`);
  assert.equal(typeof message, 'string', `error.message is a string ${context}`);
  assert.ok((message as string).length > 0, `error.message is not empty ${context}`);
  assert.deepEqual(extra, {}, `nothing beside code and message ${context}`);
  return code as string;
}

/** Asserts the status and the error code of a reply. */
export function expectError(reply: { status: number; body: unknown }, status: number, code: string): void {
  const context = `(got ${reply.status} ${JSON.stringify(reply.body)})`;
  assert.equal(reply.status, status, context);
  assert.equal(errorCode(reply.body, context), code, context);
}

/** A WebSocket to the stream that has not authenticated yet. */
export async function openStream(base: string): Promise<StreamClient> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/stream`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return new StreamClient(ws);
}

/** Resolves with the close, or rejects once `ms` have passed without one. */
export function closedWithin(stream: StreamClient, ms = 5_000): Promise<{ code: number; reason: string }> {
  return Promise.race([
    stream.closed,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Waits `ms`; for "nothing more arrives" checks, always after a positive control. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
