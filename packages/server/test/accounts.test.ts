/**
 * Accounts and devices: alice registers, signs in on a second device, renames and removes devices; the handle and
 * password rules; what a revoked token still opens (nothing). Against every backend. The rate limits of
 * registration and sign-in run once, on the memory backend, from several loopback addresses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ID_PATTERN } from '@parley/protocol';
import { backends, call, DeviceClient, startTestProvider, type TestProvider } from '@parley/testing';
import { closedWithin, errorCode, expectError, openStream, postFrom } from './support.js';

const PASSWORD = 'correct horse battery';
const register = (url: string, handle: string, password = PASSWORD) =>
  call(url, 'POST', '/v1/accounts', { handle, password });
const login = (url: string, handle: string, password = PASSWORD) =>
  call(url, 'POST', '/v1/sessions', { handle, password });

for (const backend of backends) {
  describe(`accounts on ${backend.name}`, { skip: backend.skip }, () => {
    let net: TestProvider;
    before(async () => {
      net = await startTestProvider(backend);
    });
    after(async () => net?.close());

    it('alice registers and gets her address, a device id and a working token', async () => {
      const reply = await register(net.url, 'alice');
      assert.equal(reply.status, 201);
      assert.equal(reply.body.user, 'alice@a.localhost');
      assert.match(reply.body.deviceId, new RegExp(ID_PATTERN));
      assert.equal(typeof reply.body.token, 'string');
      assert.ok(reply.body.token.length >= 32);
      const devices = await call(net.url, 'GET', '/v1/devices', undefined, reply.body.token);
      assert.equal(devices.status, 200);
      assert.deepEqual(
        devices.body.devices.map((d: { id: string; current: boolean }) => [d.id, d.current]),
        [[reply.body.deviceId, true]],
      );
    });

    it('refuses handles that break the rules, each with its own code', async () => {
      const cases: [handle: string, code: string][] = [
        ['al', 'handleTooShort'],
        ['a'.repeat(33), 'handleTooLong'],
        ['Alice2', 'handleInvalidCharacters'],
        ['bad!name', 'handleInvalidCharacters'],
        ['with space', 'handleInvalidCharacters'],
        ['.dotfirst', 'handleInvalidCharacters'],
        ['dotlast.', 'handleInvalidCharacters'],
        ['admin', 'handleReserved'],
        ['postmaster', 'handleReserved'],
      ];
      for (const [handle, code] of cases) {
        const reply = await register(net.url, handle);
        expectError(reply, 400, code);
      }
      // Just inside the limits.
      assert.equal((await register(net.url, 'abc')).status, 201);
      assert.equal((await register(net.url, `a.b_c-${'d'.repeat(26)}`)).status, 201);
    });

    it('refuses a password shorter than the minimum', async () => {
      expectError(await register(net.url, 'shortpw', 'seven77'), 400, 'passwordTooShort');
      // Characters, not bytes: eight emoji are eight characters.
      assert.equal((await register(net.url, 'emojipw', '🔑'.repeat(8))).status, 201);
      expectError(await register(net.url, 'emojipw2', '🔑'.repeat(7)), 400, 'passwordTooShort');
      expectError(await login(net.url, 'shortpw', 'seven77'), 401, 'badCredentials');
    });

    it('refuses a taken handle with 409, also when registrations race', async () => {
      assert.equal((await register(net.url, 'taken')).status, 201);
      expectError(await register(net.url, 'taken', 'another password'), 409, 'handleTaken');
      // The first password still signs in: the refused registration changed nothing.
      assert.equal((await login(net.url, 'taken')).status, 201);
      expectError(await login(net.url, 'taken', 'another password'), 401, 'badCredentials');

      const racing = await Promise.all(Array.from({ length: 8 }, () => register(net.url, 'racer')));
      const statuses = racing.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    });

    it('a sign-in is a new device with its own token; both devices work', async () => {
      const phone = await DeviceClient.register(net.url, 'carol', PASSWORD, 'carol phone');
      const laptop = await DeviceClient.login(net.url, 'carol', PASSWORD, 'carol laptop');
      assert.equal(laptop.user, 'carol@a.localhost');
      assert.notEqual(laptop.deviceId, phone.deviceId);
      assert.notEqual(laptop.token, phone.token);
      const seen = await laptop.call('GET', '/v1/devices');
      assert.equal(seen.status, 200);
      assert.deepEqual(
        seen.body.devices.map((d: { id: string; name: string; current: boolean }) => [
          d.id,
          d.name,
          d.current,
        ]),
        [
          [phone.deviceId, 'carol phone', false],
          [laptop.deviceId, 'carol laptop', true],
        ],
      );
      const fromPhone = await phone.call('GET', '/v1/devices');
      assert.deepEqual(
        fromPhone.body.devices.map((d: { current: boolean }) => d.current),
        [true, false],
      );
    });

    it('a wrong password and an unknown handle look the same: 401 badCredentials', async () => {
      await DeviceClient.register(net.url, 'dave');
      const wrong = await login(net.url, 'dave', 'not the password');
      const unknown = await login(net.url, 'nobody-here');
      expectError(wrong, 401, 'badCredentials');
      expectError(unknown, 401, 'badCredentials');
      assert.equal(wrong.body.error.message, unknown.body.error.message);
    });

    it('erin renames her laptop, then removes it: its token opens nothing any more', async () => {
      const phone = await DeviceClient.register(net.url, 'erin', PASSWORD, 'phone');
      const laptop = await DeviceClient.login(net.url, 'erin', PASSWORD, 'laptop');
      const live = await laptop.stream();

      const renamed = await phone.call('PATCH', `/v1/devices/${laptop.deviceId}`, { name: 'old laptop' });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.device.name, 'old laptop');
      assert.equal(renamed.body.device.current, false);
      const listed = await phone.call('GET', '/v1/devices');
      assert.deepEqual(
        listed.body.devices.map((d: { name: string }) => d.name),
        ['phone', 'old laptop'],
      );

      const removed = await phone.call('DELETE', `/v1/devices/${laptop.deviceId}`);
      assert.equal(removed.status, 204);
      assert.equal((await closedWithin(live)).code, 4001, 'the open stream of the removed device is closed');

      for (const [method, path, body] of [
        ['GET', '/v1/devices', undefined],
        ['GET', '/v1/rooms', undefined],
        ['POST', '/v1/sync', {}],
        ['GET', '/v1/keypackages/count', undefined],
        ['PATCH', `/v1/devices/${phone.deviceId}`, { name: 'stolen' }],
      ] as const) {
        expectError(await laptop.call(method, path, body), 401, 'unauthenticated');
      }
      const ws = await openStream(net.url);
      ws.send({ type: 'auth', token: laptop.token });
      assert.equal((await closedWithin(ws)).code, 4001, 'a new stream with the removed token is refused');

      const after = await phone.call('GET', '/v1/devices');
      assert.equal(after.status, 200);
      assert.deepEqual(
        after.body.devices.map((d: { id: string }) => d.id),
        [phone.deviceId],
      );
      expectError(await phone.call('DELETE', `/v1/devices/${laptop.deviceId}`), 404, 'noSuchDevice');
    });

    it("frank cannot rename or remove gina's device: 404 noSuchDevice", async () => {
      const frank = await DeviceClient.register(net.url, 'frank');
      const gina = await DeviceClient.register(net.url, 'gina', PASSWORD, 'gina phone');
      expectError(
        await frank.call('PATCH', `/v1/devices/${gina.deviceId}`, { name: 'mine' }),
        404,
        'noSuchDevice',
      );
      expectError(await frank.call('DELETE', `/v1/devices/${gina.deviceId}`), 404, 'noSuchDevice');
      expectError(await frank.call('DELETE', '/v1/devices/aaaaaaaaaaaaaaaaaaaaaaaaaa'), 404, 'noSuchDevice');
      const still = await gina.call('GET', '/v1/devices');
      assert.equal(still.status, 200);
      assert.equal(still.body.devices[0].name, 'gina phone');
    });
  });
}

describe('rate limits', () => {
  let net: TestProvider;
  before(async () => {
    net = await startTestProvider(backends[0]!, {
      rateLimits: { register: { capacity: 2, perMinute: 1 }, login: { capacity: 3, perMinute: 1 } },
    });
  });
  after(async () => net?.close());

  it('the third registration from one address waits, with retry-after; another address does not', async () => {
    const first = await postFrom(net.url, '127.0.0.1', '/v1/accounts', { handle: 'one', password: PASSWORD });
    const second = await postFrom(net.url, '127.0.0.1', '/v1/accounts', {
      handle: 'two',
      password: PASSWORD,
    });
    const third = await postFrom(net.url, '127.0.0.1', '/v1/accounts', {
      handle: 'three',
      password: PASSWORD,
    });
    assert.deepEqual([first.status, second.status], [201, 201]);
    expectError(third, 429, 'tooManyRequests');
    const retryAfter = Number(third.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
      `retry-after ${retryAfter}`,
    );
    // The refused registration did not happen.
    expectError(
      await postFrom(net.url, '127.0.0.5', '/v1/sessions', { handle: 'three', password: PASSWORD }),
      401,
      'badCredentials',
    );
    const elsewhere = await postFrom(net.url, '127.0.0.2', '/v1/accounts', {
      handle: 'three',
      password: PASSWORD,
    });
    assert.equal(elsewhere.status, 201);
  });

  it('repeated failed sign-ins for one handle wait, from any address, even with the right password', async () => {
    await postFrom(net.url, '127.0.0.3', '/v1/accounts', { handle: 'target', password: PASSWORD });
    await postFrom(net.url, '127.0.0.3', '/v1/accounts', { handle: 'bystander', password: PASSWORD });
    const guess = (from: string, password: string, handle = 'target') =>
      postFrom(net.url, from, '/v1/sessions', { handle, password });
    for (let i = 0; i < 3; i++) expectError(await guess('127.0.0.1', `guess ${i}!`), 401, 'badCredentials');
    const limited = await guess('127.0.0.1', 'guess 4!');
    expectError(limited, 429, 'tooManyRequests');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    expectError(await guess('127.0.0.4', PASSWORD), 429, 'tooManyRequests');
    // Another handle from yet another address is not affected.
    assert.equal((await guess('127.0.0.6', PASSWORD, 'bystander')).status, 201);
  });

  it('repeated sign-ins from one address wait, whatever the handle', async () => {
    for (let i = 0; i < 3; i++) {
      const reply = await postFrom(net.url, '127.0.0.7', '/v1/sessions', {
        handle: `who${i}`,
        password: PASSWORD,
      });
      assert.equal(errorCode(reply.body), 'badCredentials');
    }
    const limited = await postFrom(net.url, '127.0.0.7', '/v1/sessions', {
      handle: 'bystander',
      password: PASSWORD,
    });
    expectError(limited, 429, 'tooManyRequests');
  });
});
