/**
 * Operations and the edge of the HTTP API: health (and its 503 when the database does not answer), metrics,
 * unknown routes, bodies too large, of the wrong type or malformed, missing credentials; and logs that carry no
 * password, token or payload.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { b64, backends, call, DeviceClient, startTestProvider, type TestProvider } from '@parley/testing';
import { errorCode, expectError, raw } from './support.js';

const jsonOf = (reply: { status: number; text: string }) => ({
  status: reply.status,
  body: JSON.parse(reply.text) as unknown,
});

for (const backend of backends) {
  describe(`health on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    before(async () => {
      net = await startTestProvider(backend);
    });
    after(async () => net?.close());

    it('answers 200 with status ok and the storage kind', async () => {
      const reply = await call(net.url, 'GET', '/health');
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(reply.body.status, 'ok');
      // The memory backend is SQLite without a file.
      assert.equal(reply.body.storage, backend.name === 'memory' ? 'sqlite' : backend.name);
      assert.equal(reply.body.domain, 'a.localhost');
      assert.equal(reply.body.streams, 0);
    });
  });
}

describe('the HTTP edge', () => {
  let net: TestProvider;
  let alice: DeviceClient;
  before(async () => {
    net = await startTestProvider(backends[0]!);
    alice = await DeviceClient.register(net.url, 'alice');
  });
  after(async () => net?.close());

  it('health answers 503 unavailable while the database does not answer, and recovers', async () => {
    const storage = net.provider.ctx.storage;
    const ping = storage.ping;
    storage.ping = async () => {
      throw new Error('connection refused');
    };
    try {
      expectError(await call(net.url, 'GET', '/health'), 503, 'unavailable');
    } finally {
      storage.ping = ping;
    }
    assert.equal((await call(net.url, 'GET', '/health')).status, 200);
  });

  it('metrics are Prometheus text, labelled by route pattern, never by URL', async () => {
    const room = await alice.createRoom([]);
    assert.equal((await alice.call('GET', `/v1/rooms/${room}`)).status, 200);
    const reply = await raw(net.url, { method: 'GET', path: '/metrics' });
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain/);
    assert.match(reply.text, /# TYPE parley_http_requests_total counter/);
    assert.match(
      reply.text,
      /parley_http_requests_total\{method="GET",route="\/v1\/rooms\/:roomId",status="200"\} 1/,
    );
    assert.match(
      reply.text,
      /parley_http_requests_total\{method="POST",route="\/v1\/accounts",status="201"\} 1/,
    );
    assert.ok(!reply.text.includes(room), 'no room id in the metrics');
    assert.ok(!reply.text.includes('alice'), 'no handle in the metrics');
  });

  it('an unknown route is 404 notFound in the JSON error shape', async () => {
    for (const [method, path] of [
      ['GET', '/nothing/here'],
      ['GET', '/v1'],
      ['PUT', '/v1/rooms'],
      ['POST', '/health'],
      ['GET', '/v1/accounts'],
    ]) {
      const reply = jsonOf(await raw(net.url, { method: method!, path: path! }));
      expectError(reply, 404, 'notFound');
    }
  });

  it('a URL that cannot be decoded, or a parameter too long to route, is 400 in the JSON error shape', async () => {
    for (const path of [
      '/v1/rooms/%zz',
      '/v1/rooms/%',
      '/v1/devices/%ED%A0%80',
      `/v1/rooms/${'a'.repeat(26)}/members/${'b'.repeat(150)}`,
    ]) {
      const reply = jsonOf(
        await raw(net.url, { method: 'DELETE', path, headers: { authorization: `Bearer ${alice.token}` } }),
      );
      expectError(reply, 400, 'badRequest');
    }
  });

  it('GET /v1/stream without an Upgrade is 400 in the JSON error shape', async () => {
    expectError(await call(net.url, 'GET', '/v1/stream'), 400, 'badRequest');
    expectError(await alice.call('GET', '/v1/stream'), 400, 'badRequest');
  });

  it('a body over bodyLimitBytes is 413 payloadTooLarge', async () => {
    const padding = 'x'.repeat(net.provider.config.bodyLimitBytes + 1);
    const reply = await raw(net.url, {
      method: 'POST',
      path: `/v1/rooms/${'a'.repeat(26)}/messages`,
      body: JSON.stringify({ payload: padding }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
    });
    expectError(jsonOf(reply), 413, 'payloadTooLarge');
  });

  it('a body that is not JSON by its content type is 415', async () => {
    const body = JSON.stringify({ handle: 'plaintext', password: 'correct horse battery' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const reply = await raw(net.url, {
        method: 'POST',
        path: '/v1/accounts',
        body,
        headers: { 'content-type': type },
      });
      expectError(jsonOf(reply), 415, 'unsupportedMediaType');
    }
    expectError(
      await call(net.url, 'POST', '/v1/sessions', { handle: 'plaintext', password: 'correct horse battery' }),
      401,
      'badCredentials',
    );
  });

  it('malformed JSON is 400', async () => {
    for (const body of ['{"handle": "x",', '{handle: 1}', 'nul', '', '{"a":1}{"b":2}']) {
      const reply = await raw(net.url, {
        method: 'POST',
        path: '/v1/accounts',
        body,
        headers: { 'content-type': 'application/json' },
      });
      const parsed = jsonOf(reply);
      assert.equal(parsed.status, 400, `${JSON.stringify(body)} → ${reply.text}`);
      assert.ok(['invalidRequest', 'badRequest'].includes(errorCode(parsed.body)));
    }
  });

  it('a missing or garbled Authorization is 401 unauthenticated', async () => {
    const headers = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${b64('alice:correct horse battery')}`,
      `bearer ${alice.token}`,
      `Bearer ${alice.token} extra`,
      `Bearer ${'a'.repeat(201)}`,
      'Bearer pt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `Bearer ${alice.token.slice(0, -1)}`,
    ];
    for (const authorization of headers) {
      for (const [method, path, body] of [
        ['GET', '/v1/rooms', undefined],
        ['GET', '/v1/devices', undefined],
        ['POST', '/v1/sync', '{}'],
        ['GET', '/v1/keypackages/count', undefined],
      ] as const) {
        const reply = await raw(net.url, {
          method,
          path,
          ...(body === undefined ? {} : { body }),
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(authorization === undefined ? {} : { authorization }),
          },
        });
        expectError(jsonOf(reply), 401, 'unauthenticated');
      }
    }
    // Positive control: the real header works.
    assert.equal((await alice.call('GET', '/v1/rooms')).status, 200);
  });
});

describe('logs', () => {
  const lines: string[] = [];
  let net: TestProvider;
  before(async () => {
    let partial = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts.filter((l) => l.length > 0));
        done();
      },
    });
    net = await startTestProvider(backends[0]!, { logLevel: 'info' }, sink);
  });
  after(async () => net?.close());

  it('carry no password, token, payload or KeyPackage, in any encoding', async () => {
    const password = 'Quartz-Zebra-7731-do-not-log';
    const wrongPassword = 'Wrong-Zebra-4421-do-not-log';
    const payload = 'PAYLOAD-Marmalade-9x9-do-not-log';
    const keyPackage = 'KEYPACKAGE-Okapi-5150-do-not-log';
    const alice = await DeviceClient.register(net.url, 'alice', password);
    const laptop = await DeviceClient.login(net.url, 'alice', password);
    const bob = await DeviceClient.register(net.url, 'bobby', password);
    expectError(
      await call(net.url, 'POST', '/v1/sessions', { handle: 'alice', password: wrongPassword }),
      401,
      'badCredentials',
    );
    expectError(
      await call(net.url, 'POST', '/v1/accounts', { handle: 'x', password, extra: payload }),
      400,
      'invalidRequest',
    );
    const room = await alice.createRoom(['bobby']);
    await alice.submit(room, payload, 'c1');
    await alice.call('POST', '/v1/keypackages', {
      keyPackages: [b64(keyPackage)],
      lastResort: b64(keyPackage),
    });
    await bob.call('POST', '/v1/keypackages/claim', { user: 'alice' });
    await bob.sync();
    const stream = await bob.stream();
    stream.send({ type: 'submit', ref: 1, room, payload: b64(payload) });
    await stream.next((f) => f.type === 'submitted');
    stream.send({ type: 'auth', token: laptop.token });
    await stream.close();
    await call(net.url, 'GET', `/no/such/route?token=${laptop.token}`);
    assert.equal((await alice.call('DELETE', `/v1/devices/${laptop.deviceId}`)).status, 204);

    assert.ok(lines.length >= 10, `some log lines exist (${lines.length})`);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), 'every line is JSON');
    const all = lines.join('\n');
    const secrets = {
      password,
      wrongPassword,
      'alice token': alice.token,
      'laptop token': laptop.token,
      'bob token': bob.token,
      payload,
      'payload base64': b64(payload),
      keyPackage,
      'keyPackage base64': b64(keyPackage),
    };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!all.includes(secret), `the logs contain the ${name}`);
      // Also no recognisable piece of it (a token cut in half is still a token to someone).
      assert.ok(!all.includes(secret.slice(4, 20)), `the logs contain part of the ${name}`);
    }
  });
});
