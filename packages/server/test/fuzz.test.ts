/**
 * Property tests against a real provider: random bodies, path parameters, query strings, content types and
 * credentials on every route (the stream's frames are in fuzz-stream.test.ts). Whatever arrives, the server
 * answers below 500 (a refusal in the JSON error shape, with the status its code names), keeps answering /health,
 * and writes nothing it did not acknowledge. Against every backend.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { b64, backends, call, DeviceClient, startTestProvider, type TestProvider } from '@parley/testing';
import fc from 'fast-check';
import {
  bodyText,
  checkAnswer,
  contentType,
  query,
  RUN_TIMEOUT_MS,
  RUNS,
  routesOf,
  segment,
} from './fuzzing.js';
import { errorCode, raw } from './support.js';

const PASSWORD = 'correct horse battery';

interface World {
  mallory: DeviceClient;
  malloryLaptop: DeviceClient;
  alice: DeviceClient;
  /** mallory and alice; mallory owns it. */
  shared: string;
  /** mallory owns it; the membership property may empty it. */
  scratch: string;
  /** alice's alone: mallory is not in it. */
  foreign: string;
}

interface RouteCase {
  method: string;
  path: string;
  /** The path with its parameters filled. */
  params: (w: World) => fc.Arbitrary<string>;
  body?: (w: World) => Record<string, unknown>;
}

const rooms = (w: World) => [w.shared, w.scratch, w.foreign];
const devices = (w: World) => [w.alice.deviceId, w.malloryLaptop.deviceId];
const users = ['alice', 'bob', 'mallory', 'alice@a.localhost', 'bob@b.localhost', 'nobody'];
const fixed = (path: string) => () => fc.constant(path);

/** Every route of src/api/client/*.ts. */
const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    path: '/v1/accounts',
    params: fixed('/v1/accounts'),
    body: () => ({ handle: 'newcomer', password: PASSWORD, deviceName: 'phone' }),
  },
  {
    method: 'POST',
    path: '/v1/sessions',
    params: fixed('/v1/sessions'),
    body: () => ({ handle: 'mallory', password: PASSWORD, deviceName: 'phone' }),
  },
  { method: 'GET', path: '/v1/devices', params: fixed('/v1/devices') },
  {
    method: 'PATCH',
    path: '/v1/devices/:deviceId',
    params: (w) => segment(devices(w)).map((d) => `/v1/devices/${d}`),
    body: () => ({ name: 'renamed' }),
  },
  {
    method: 'DELETE',
    path: '/v1/devices/:deviceId',
    params: (w) => segment(devices(w)).map((d) => `/v1/devices/${d}`),
  },
  {
    method: 'POST',
    path: '/v1/rooms',
    params: fixed('/v1/rooms'),
    body: () => ({ kind: 'group', members: ['alice', 'bob'] }),
  },
  { method: 'GET', path: '/v1/rooms', params: fixed('/v1/rooms') },
  {
    method: 'GET',
    path: '/v1/rooms/:roomId',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}`),
  },
  {
    method: 'POST',
    path: '/v1/rooms/:roomId/members',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}/members`),
    body: () => ({ members: ['bob'] }),
  },
  {
    method: 'DELETE',
    path: '/v1/rooms/:roomId/members/:member',
    params: (w) =>
      fc
        .tuple(segment([w.scratch, w.foreign]), segment(users))
        .map(([r, m]) => `/v1/rooms/${r}/members/${m}`),
  },
  {
    method: 'POST',
    path: '/v1/rooms/:roomId/messages',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}/messages`),
    body: () => ({ payload: b64('hello'), clientId: 'c-1' }),
  },
  {
    method: 'GET',
    path: '/v1/rooms/:roomId/messages',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}/messages`),
  },
  {
    method: 'POST',
    path: '/v1/sync',
    params: fixed('/v1/sync'),
    body: (w) => ({ since: { [w.shared]: 0 }, limit: 10 }),
  },
  {
    method: 'POST',
    path: '/v1/ack',
    params: fixed('/v1/ack'),
    body: (w) => ({ acks: [{ room: w.shared, seq: 1 }] }),
  },
  {
    method: 'POST',
    path: '/v1/keypackages',
    params: fixed('/v1/keypackages'),
    body: () => ({ keyPackages: [b64('kp')], lastResort: b64('last') }),
  },
  { method: 'GET', path: '/v1/keypackages/count', params: fixed('/v1/keypackages/count') },
  {
    method: 'POST',
    path: '/v1/keypackages/claim',
    params: fixed('/v1/keypackages/claim'),
    body: () => ({ user: 'alice' }),
  },
  {
    method: 'POST',
    path: '/v1/rooms/:roomId/commits',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}/commits`),
    body: () => ({ commit: b64('commit'), groupInfo: b64('info'), welcome: b64('welcome') }),
  },
  {
    method: 'POST',
    path: '/v1/rooms/:roomId/proposals',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}/proposals`),
    body: () => ({ proposal: b64('proposal') }),
  },
  {
    method: 'GET',
    path: '/v1/rooms/:roomId/groupinfo',
    params: (w) => segment(rooms(w)).map((r) => `/v1/rooms/${r}/groupinfo`),
  },
  {
    method: 'PUT',
    path: '/v1/identity',
    params: fixed('/v1/identity'),
    body: () => ({ identityKey: Buffer.alloc(32, 7).toString('base64') }),
  },
  {
    method: 'GET',
    path: '/v1/users/:user',
    params: () => segment(users).map((u) => `/v1/users/${u}`),
  },
  { method: 'GET', path: '/v1/requests', params: fixed('/v1/requests') },
  ...(['accept', 'decline', 'block'] as const).map((answer) => ({
    method: 'POST' as const,
    path: `/v1/requests/${answer}`,
    params: fixed(`/v1/requests/${answer}`),
    body: () => ({ user: 'bob@b.localhost' }),
  })),
  {
    method: 'POST',
    path: '/v1/reports',
    params: fixed('/v1/reports'),
    body: (w: World) => ({ room: w.shared, seq: 1, reason: 'spam' }),
  },
  { method: 'GET', path: '/v1/undelivered', params: fixed('/v1/undelivered') },
  { method: 'GET', path: '/v1/provider', params: fixed('/v1/provider') },
  { method: 'POST', path: '/v1/attachments', params: fixed('/v1/attachments'), body: () => ({ x: 1 }) },
  {
    method: 'GET',
    path: '/v1/attachments/:domain/:id',
    params: () =>
      fc
        .tuple(fc.constantFrom('a.localhost', 'b.localhost', 'x'), segment(['a'.repeat(26)]))
        .map(([d, id]) => `/v1/attachments/${d}/${id}`),
  },
];

for (const backend of backends) {
  describe(`fuzzing the HTTP API on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    let world: World;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

    before(async () => {
      net = await startTestProvider(backend);
      const mallory = await DeviceClient.register(net.url, 'mallory');
      const malloryLaptop = await DeviceClient.login(net.url, 'mallory');
      const alice = await DeviceClient.register(net.url, 'alice');
      await DeviceClient.register(net.url, 'bob');
      world = {
        mallory,
        malloryLaptop,
        alice,
        shared: await mallory.createRoom(['alice']),
        scratch: await mallory.createRoom(['alice', 'bob']),
        foreign: await alice.createRoom([]),
      };
      await mallory.submit(world.shared, 'first');
    });
    after(async () => {
      agent.destroy();
      await net?.close();
    });

    const send = (route: RouteCase) =>
      fc.asyncProperty(
        route.params(world),
        route.method === 'GET' || route.method === 'DELETE' ? query : fc.constant(''),
        bodyText(route.body?.(world)),
        contentType,
        fc.constantFrom(world.mallory.token, undefined, 'garbage', `${world.mallory.token}x`),
        async (path, search, body, type, token) => {
          const sendsBody = route.method !== 'GET' && body !== undefined;
          const reply = await raw(net.url, {
            method: route.method,
            path: path + search,
            ...(sendsBody ? { body } : {}),
            headers: {
              ...(sendsBody && type !== undefined ? { 'content-type': type } : {}),
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            agent,
          });
          checkAnswer(reply, `${route.method} ${path}${search} ${String(body).slice(0, 200)} (${type})`);
        },
      );

    it('the list fuzzed here is every client route the server has', () => {
      const served = routesOf(net.provider.app.printRoutes({ commonPrefix: false }))
        // The stream has a property of its own below; /health and /metrics are in ops.test.ts.
        .filter((r) => r.includes(' /v1/') && r !== 'GET /v1/stream')
        .sort();
      assert.deepEqual(served, ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    });

    for (const route of ROUTES) {
      it(`${route.method} ${route.path} answers every input below 500, in the error shape`, async () => {
        if (route.path === '/v1/rooms/:roomId/messages' && route.method === 'POST') {
          // Nothing half-written: the room grows by exactly the submits answered 201.
          const before = (await world.mallory.call('GET', `/v1/rooms/${world.shared}`)).body.room.lastSeq;
          let stored = 0;
          await fc.assert(
            fc.asyncProperty(
              bodyText(route.body?.(world)),
              fc.constantFrom(world.mallory.token, world.alice.token),
              async (body, token) => {
                const reply = await raw(net.url, {
                  method: 'POST',
                  path: `/v1/rooms/${world.shared}/messages`,
                  ...(body === undefined ? {} : { body }),
                  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                  agent,
                });
                checkAnswer(reply, `POST messages ${String(body).slice(0, 200)}`);
                if (reply.status === 201) stored++;
              },
            ),
            { numRuns: RUNS, timeout: RUN_TIMEOUT_MS },
          );
          const afterwards = await world.mallory.call('GET', `/v1/rooms/${world.shared}`);
          assert.equal(afterwards.body.room.lastSeq, before + stored, 'one sequence per 201, no more');
          const read = await world.mallory.call('GET', `/v1/rooms/${world.shared}/messages?after=${before}`);
          assert.equal(read.body.messages.length, stored);
        }
        await fc.assert(send(route), { numRuns: RUNS, timeout: RUN_TIMEOUT_MS });
        assert.equal((await call(net.url, 'GET', '/health')).status, 200, '/health still answers');
      });
    }

    it('U+0000 in any text field is refused with 400 on every backend, not stored or failed on', async () => {
      const nul = 'bob\u0000';
      const { mallory } = world;
      const cases: [string, string, unknown, string?][] = [
        ['POST', '/v1/accounts', { handle: 'nulname', password: PASSWORD, deviceName: nul }],
        ['POST', '/v1/accounts', { handle: 'nulpass', password: `${PASSWORD}\u0000` }],
        ['POST', '/v1/sessions', { handle: nul, password: PASSWORD }],
        ['POST', '/v1/sessions', { handle: 'mallory', password: PASSWORD, deviceName: nul }],
        ['PATCH', `/v1/devices/${world.malloryLaptop.deviceId}`, { name: nul }, mallory.token],
        ['POST', '/v1/rooms', { members: ['alice', nul] }, mallory.token],
        ['POST', `/v1/rooms/${world.shared}/members`, { members: [nul] }, mallory.token],
        ['DELETE', `/v1/rooms/${world.scratch}/members/bob%00`, undefined, mallory.token],
        ['POST', '/v1/keypackages/claim', { user: nul }, mallory.token],
      ];
      for (const [method, path, body, token] of cases) {
        const reply = await call(net.url, method, path, body, token);
        assert.equal(
          reply.status,
          400,
          `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(reply.body)}`,
        );
        assert.equal(errorCode(reply.body), 'invalidRequest');
      }
      const names = await mallory.call('GET', '/v1/devices');
      assert.ok(names.body.devices.every((d: { name: string }) => !d.name.includes('\u0000')));
    });

    it('any method on any path under /v1 answers below 500, in the error shape', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.array(
            segment([
              'v1',
              'rooms',
              'devices',
              'members',
              'messages',
              'keypackages',
              'stream',
              ...rooms(world),
            ]),
            {
              minLength: 1,
              maxLength: 5,
            },
          ),
          query,
          bodyText(undefined),
          async (method, segments, search, body) => {
            const path = `/v1/${segments.join('/')}${search}`;
            const sendsBody = method !== 'GET' && body !== undefined;
            const reply = await raw(net.url, {
              method,
              path,
              ...(sendsBody ? { body } : {}),
              headers: {
                authorization: `Bearer ${world.mallory.token}`,
                ...(sendsBody ? { 'content-type': 'application/json' } : {}),
              },
              agent,
            });
            checkAnswer(reply, `${method} ${path}`);
          },
        ),
        { numRuns: RUNS * 2, timeout: RUN_TIMEOUT_MS },
      );
      assert.equal((await call(net.url, 'GET', '/health')).status, 200);
    });

    it('a room naming an unknown user among known ones leaves no room behind', async () => {
      const people = await Promise.all(
        ['ursula', 'victor', 'wendy', 'xavier'].map((h) => DeviceClient.register(net.url, h)),
      );
      const [creator] = people as [DeviceClient];
      await fc.assert(
        fc.asyncProperty(
          fc.subarray(['victor', 'wendy', 'xavier@a.localhost', 'ursula']),
          fc.constantFrom('ghost', 'ghost@a.localhost', 'bob@b.localhost', 'admin'),
          fc.nat(),
          fc.constantFrom('group', 'direct'),
          async (known, unknown, at, kind) => {
            const members = [...known];
            members.splice(at % (members.length + 1), 0, unknown);
            const reply = await creator.call('POST', '/v1/rooms', { kind, members });
            assert.ok(reply.status >= 400 && reply.status < 500, `refused: ${JSON.stringify(reply.body)}`);
            errorCode(reply.body);
            for (const person of people) {
              const listed = await person.call('GET', '/v1/rooms');
              assert.deepEqual(listed.body.rooms, [], `${person.handle} is in no room`);
            }
          },
        ),
        { numRuns: Math.ceil(RUNS / 2), timeout: RUN_TIMEOUT_MS },
      );
    });
  });
}
