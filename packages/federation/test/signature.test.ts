// Attacks on signed federation requests and responses: each must fail with its own reason, never throw.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  contentDigest,
  generateSigningKey,
  keyId,
  LIMITS,
  parseDictionary,
  parseItem,
  ReplayCache,
  type RequestMessage,
  signRequest,
  signResponse,
  type VerifyOptions,
  verifyContentDigest,
  verifyRequest,
  verifyResponse,
} from '@parley/federation';
import fc from 'fast-check';

const alice = generateSigningKey(); // a.example's signing key
const mallory = generateSigningKey(); // someone else's
const aliceId = keyId(alice.publicKey);
const NOW = Date.UTC(2025, 0, 1) / 1000; // seconds
const body = '{"type":"notify","room":"!r:a.example"}';

const keys = new Map([[aliceId, alice.publicKey]]);
const resolveKey = async (id: string) => keys.get(id);

function signed(overrides: Partial<Parameters<typeof signRequest>[0]> = {}): RequestMessage {
  const request = {
    method: 'POST',
    url: 'https://b.example/federation/notify',
    headers: { host: 'b.example' },
    body,
  };
  const added = signRequest({
    ...request,
    keyId: aliceId,
    privateKey: alice.privateKey,
    created: NOW,
    ...overrides,
  });
  return { ...request, headers: { ...request.headers, ...added } };
}

function verify(message: RequestMessage, options: Partial<VerifyOptions> = {}) {
  return verifyRequest({ ...message, now: NOW * 1000, maxAgeSeconds: 300, resolveKey, ...options });
}

/** Dictionary members `x0=?1, x1=?1, ...` at least `length` characters long. */
function filler(length: number): string {
  const parts: string[] = [];
  for (let i = 0, size = 0; size < length; i++, size += parts.at(-1)?.length ?? 0) parts.push(`x${i}=?1, `);
  return parts.join('').slice(0, -2);
}

function withHeader(message: RequestMessage, name: string, value: string): RequestMessage {
  return { ...message, headers: { ...(message.headers as Record<string, string>), [name]: value } };
}

describe('a well-signed request', () => {
  test('verifies, covering method, target, digest, created, keyid and alg', async () => {
    const message = signed();
    const headers = message.headers as Record<string, string>;
    assert.equal(
      headers['signature-input'],
      `sig1=("@method" "@target-uri" "content-digest");created=${NOW};keyid="${aliceId}";alg="ed25519"`,
    );
    assert.equal(headers['content-digest'], contentDigest(new TextEncoder().encode(body)));
    assert.deepEqual(await verify(message), {
      ok: true,
      keyId: aliceId,
      created: NOW,
      label: 'sig1',
      components: ['@method', '@target-uri', 'content-digest'],
    });
  });

  test('repeated header lines are combined with ", " whatever shape the headers come in', async () => {
    const request = { method: 'POST', url: 'https://b.example/federation/notify', body };
    const lines: [string, string][] = [
      ['X-Trace', ' a '],
      ['x-trace', 'b'],
    ];
    const components = ['@method', '@target-uri', 'content-digest', 'x-trace'];
    const added = signRequest({
      ...request,
      headers: lines,
      keyId: aliceId,
      privateKey: alice.privateKey,
      created: NOW,
      components,
    });
    const signatureLines = Object.entries(added);
    assert.equal((await verify({ ...request, headers: [...lines, ...signatureLines] })).ok, true);
    assert.equal((await verify({ ...request, headers: { 'x-trace': ['a', 'b'], ...added } })).ok, true);
    assert.equal(
      (await verify({ ...request, headers: new Headers([...lines, ...signatureLines]) })).ok,
      true,
    );
    const reordered = await verify({
      ...request,
      headers: [lines[1] as [string, string], ['x-trace', 'a'], ...signatureLines],
    });
    assert.deepEqual(reordered, { ok: false, reason: 'badSignature' });
  });

  test('a request without a body covers no digest and needs none', async () => {
    const request = { method: 'GET', url: 'https://b.example/federation/keyMaterial?user=bob', headers: {} };
    const added = signRequest({ ...request, keyId: aliceId, privateKey: alice.privateKey, created: NOW });
    assert.equal(added['content-digest'], undefined);
    assert.equal((await verify({ ...request, headers: added })).ok, true);
  });
});

describe('attacks', () => {
  test('forged signature bytes', async () => {
    const message = signed();
    const sig = (message.headers as Record<string, string>).signature as string;
    const bytes = Buffer.from(sig.slice('sig1=:'.length, -1), 'base64');
    bytes[10] = (bytes[10] as number) ^ 1;
    const forged = withHeader(message, 'signature', `sig1=:${bytes.toString('base64')}:`);
    assert.deepEqual(await verify(forged), { ok: false, reason: 'badSignature' });
  });

  test("signed with the wrong key under alice's key id", async () => {
    const message = signRequest({
      method: 'POST',
      url: 'https://b.example/federation/notify',
      headers: {},
      body,
      keyId: aliceId,
      privateKey: mallory.privateKey,
      created: NOW,
    });
    const result = await verify({
      method: 'POST',
      url: 'https://b.example/federation/notify',
      headers: message,
      body,
    });
    assert.deepEqual(result, { ok: false, reason: 'badSignature' });
  });

  test('an unknown key id, or a key that is not Ed25519', async () => {
    assert.deepEqual(await verify(signed({ keyId: 'nobody' })), { ok: false, reason: 'unknownKey' });
    const wrongType = await verify(signed(), { resolveKey: async () => alice.privateKey });
    assert.deepEqual(wrongType, { ok: false, reason: 'unknownKey' });
  });

  test('tampered body: digest mismatch', async () => {
    const message = { ...signed(), body: body.replace('notify', 'notifz') };
    assert.deepEqual(await verify(message), { ok: false, reason: 'badDigest' });
  });

  test('tampered body with a recomputed digest: signature no longer matches', async () => {
    const tampered = '{"type":"evil"}';
    const message = withHeader(
      { ...signed(), body: tampered },
      'content-digest',
      contentDigest(Buffer.from(tampered)),
    );
    assert.deepEqual(await verify(message), { ok: false, reason: 'badSignature' });
  });

  test('tampered method, path, query or host', async () => {
    const message = signed();
    for (const change of [
      { method: 'PUT' },
      { url: 'https://b.example/federation/submitMessage' },
      { url: 'https://b.example/federation/notify?x=1' },
      { url: 'https://c.example/federation/notify' },
      { url: 'http://b.example/federation/notify' },
    ]) {
      assert.deepEqual(
        await verify({ ...message, ...change }),
        { ok: false, reason: 'badSignature' },
        JSON.stringify(change),
      );
    }
  });

  test('expired: created too long ago, or past its expires', async () => {
    assert.deepEqual(await verify(signed({ created: NOW - 301 })), { ok: false, reason: 'expired' });
    assert.equal((await verify(signed({ created: NOW - 300 }))).ok, true);
    assert.deepEqual(await verify(signed({ expires: NOW - 1, created: NOW - 10 })), {
      ok: false,
      reason: 'expired',
    });
  });

  test('created in the future beyond the clock skew', async () => {
    assert.deepEqual(await verify(signed({ created: NOW + 61 })), { ok: false, reason: 'future' });
    assert.equal((await verify(signed({ created: NOW + 60 }))).ok, true);
  });

  test('replayed: the same signature twice is refused by the replay cache', async () => {
    let clock = NOW * 1000;
    const replayCache = new ReplayCache({ now: () => clock });
    const message = signed();
    assert.equal((await verify(message, { replayCache, now: clock })).ok, true);
    clock += 1000;
    assert.deepEqual(await verify(message, { replayCache, now: clock }), { ok: false, reason: 'replayed' });
    // A different request (new signature) from the same key is fine.
    assert.equal((await verify(signed({ nonce: 'n2' }), { replayCache, now: clock })).ok, true);
  });

  test('a forged signature does not enter the replay cache', async () => {
    const replayCache = new ReplayCache({ now: () => NOW * 1000 });
    const message = signed();
    const mangled = { ...message, method: 'PUT' };
    assert.deepEqual(await verify(mangled, { replayCache }), { ok: false, reason: 'badSignature' });
    assert.equal(replayCache.size, 0);
    assert.equal((await verify(message, { replayCache })).ok, true);
  });

  test('missing components: digest not covered though there is a body, or a required one absent', async () => {
    const noDigest = signed({ components: ['@method', '@target-uri'] });
    assert.deepEqual(await verify(noDigest), { ok: false, reason: 'missingComponent' });
    const noTarget = signed({ components: ['@method', 'content-digest'] });
    assert.deepEqual(await verify(noTarget), { ok: false, reason: 'missingComponent' });
    const required = await verify(signed(), { requiredComponents: ['@method', '@target-uri', 'x-sender'] });
    assert.deepEqual(required, { ok: false, reason: 'missingComponent' });
  });

  test('a covered header stripped in transit', async () => {
    const message = signed();
    const headers = { ...(message.headers as Record<string, string>) };
    delete headers['content-digest'];
    assert.deepEqual(await verify({ ...message, headers }), { ok: false, reason: 'missingComponent' });
  });

  test('no signature at all, or a Signature without its Signature-Input', async () => {
    assert.deepEqual(await verify({ ...signed(), headers: {} }), { ok: false, reason: 'missingSignature' });
    const headers = { ...(signed().headers as Record<string, string>) };
    delete headers['signature-input'];
    assert.deepEqual(await verify({ ...signed(), headers }), { ok: false, reason: 'missingSignature' });
    assert.deepEqual(await verify(signed(), { label: 'sig2' }), { ok: false, reason: 'missingSignature' });
  });

  test('malformed and oversized Signature-Input headers', async () => {
    const message = signed();
    const bad = [
      'sig1=("@method" "@target-uri" "content-digest";created=1', // unterminated inner list
      `sig1=("@method");keyid="${aliceId}"`, // no created
      `sig1=("@method");created=${NOW}`, // no keyid
      `sig1=("@method");created="${NOW}";keyid="${aliceId}"`, // created as a string
      `sig1=("@method");created=${NOW};expires=${NOW - 5};keyid="${aliceId}"`, // expires before created
      `sig1=("@method" "@method");created=${NOW};keyid="${aliceId}"`, // duplicate component
      `sig1=("@METHOD");created=${NOW};keyid="${aliceId}"`, // not lowercase
      `sig1=("@method";bs);created=${NOW};keyid="${aliceId}"`, // unsupported component parameter
      `sig1=("@signature-params");created=${NOW};keyid="${aliceId}"`,
      `sig1=("@status");created=${NOW};keyid="${aliceId}"`, // response-only component in a request
      `sig1=(@method);created=${NOW};keyid="${aliceId}"`, // token, not string
      `sig1=("@method");created=${NOW};keyid="${aliceId}";keyid="x"`, // repeated parameter
      `sig1=("@method");created=${NOW};keyid="${aliceId}", sig1=("@path")`, // repeated label
      `sig1=("@method");created=${NOW};keyid="${aliceId}",`, // trailing comma
      `sig1=("@method");created=1.5;keyid="${aliceId}"`, // decimal
      `sig1=("@method");created=${NOW};keyid="${'k'.repeat(LIMITS.stringLength + 1)}"`,
      `sig1=(${'"a" '.repeat(LIMITS.innerListItems + 1)});created=${NOW};keyid="k"`,
      `sig1=("@method");created=${NOW};keyid="${aliceId}", ${filler(LIMITS.fieldLength)}`, // field too long
      `sig1=("@method");created=${NOW};keyid="${aliceId}", ${filler(LIMITS.members * 12)}`, // too many members
      'sig1=:AAAA:',
    ];
    for (const input of bad) {
      const result = await verify(withHeader(message, 'signature-input', input));
      assert.deepEqual(result, { ok: false, reason: 'malformed' }, input.slice(0, 120));
    }
    const badSignature = ['sig1=:not base64!:', 'sig1=("x")', 'sig1=:AAAA', 'sig1="AAAA"'];
    for (const value of badSignature) {
      const result = await verify(withHeader(message, 'signature', value));
      assert.deepEqual(result, { ok: false, reason: 'malformed' }, value);
    }
  });

  test('a non-ed25519 alg is refused', async () => {
    const message = signed();
    const input = (message.headers as Record<string, string>)['signature-input'] as string;
    const rsa = withHeader(message, 'signature-input', input.replace('"ed25519"', '"rsa-pss-sha512"'));
    assert.deepEqual(await verify(rsa), { ok: false, reason: 'badSignature' });
  });
});

describe('responses', () => {
  const requestMessage = signed();
  const request = { method: requestMessage.method, url: requestMessage.url, headers: requestMessage.headers };
  const responseBody = '{"accepted":true}';

  function signedResponse(status = 200) {
    const added = signResponse({
      status,
      headers: { 'content-type': 'application/json' },
      body: responseBody,
      request,
      keyId: aliceId,
      privateKey: alice.privateKey,
      created: NOW,
    });
    return { status, headers: { 'content-type': 'application/json', ...added }, body: responseBody };
  }

  test('cover @status, content-digest and the request (method, target, signature) through ;req', async () => {
    const response = signedResponse();
    assert.equal(
      response.headers['signature-input'],
      `sig1=("@status" "content-digest" "@method";req "@target-uri";req "signature";req;key="sig1");created=${NOW};keyid="${aliceId}";alg="ed25519"`,
    );
    const result = await verifyResponse({
      ...response,
      request,
      now: NOW * 1000,
      maxAgeSeconds: 300,
      resolveKey,
    });
    assert.equal(result.ok, true);
  });

  test('a response replayed onto another request, a changed status or body, fails', async () => {
    const response = signedResponse();
    const other = signed({ nonce: 'other' });
    const otherRequest = { method: other.method, url: other.url, headers: other.headers };
    const base = { now: NOW * 1000, maxAgeSeconds: 300, resolveKey };
    assert.deepEqual(await verifyResponse({ ...response, request: otherRequest, ...base }), {
      ok: false,
      reason: 'badSignature',
    });
    assert.deepEqual(await verifyResponse({ ...response, status: 202, request, ...base }), {
      ok: false,
      reason: 'badSignature',
    });
    assert.deepEqual(await verifyResponse({ ...response, body: '{"accepted":false}', request, ...base }), {
      ok: false,
      reason: 'badDigest',
    });
  });

  test('a response signed without the request binding is refused when we know the request', async () => {
    const added = signResponse({
      status: 200,
      headers: {},
      keyId: aliceId,
      privateKey: alice.privateKey,
      created: NOW,
    });
    const result = await verifyResponse({
      status: 200,
      headers: added,
      request,
      now: NOW * 1000,
      maxAgeSeconds: 300,
      resolveKey,
    });
    assert.deepEqual(result, { ok: false, reason: 'missingComponent' });
  });
});

describe('parsers never throw or hang on hostile input', () => {
  const sfChars = fc.constantFrom(...'abcz09*-_.;=,:() "\\?/+!%\t\u0000\u00e9@sig'.split(''));
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: sfChars, maxLength: 300 }),
  );

  test('parseDictionary and parseItem return a typed result', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        for (const parsed of [parseDictionary(input), parseItem(input)]) {
          assert.equal(typeof parsed.ok, 'boolean');
          if (!parsed.ok) assert.ok(parsed.reason === 'malformed' || parsed.reason === 'tooLong');
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('verifyRequest answers every random Signature-Input and Signature with a typed result', async () => {
    const message = signed();
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (input, signature) => {
        const headers = {
          ...(message.headers as Record<string, string>),
          'signature-input': input,
          signature,
        };
        const result = await verify({ ...message, headers });
        assert.equal(result.ok, false);
      }),
      { numRuns: 500 },
    );
  });

  test('verifyContentDigest answers every random header with a typed result', () => {
    fc.assert(
      fc.property(hostile, (header) => {
        const result = verifyContentDigest(header, new Uint8Array([1, 2, 3]));
        assert.equal(result.ok, false);
      }),
    );
  });

  test('a huge header is refused quickly', () => {
    const started = performance.now();
    assert.deepEqual(parseDictionary(`a=(${'"x" '.repeat(1_000_000)})`), {
      ok: false,
      reason: 'tooLong',
      at: LIMITS.fieldLength,
    });
    assert.ok(performance.now() - started < 100);
  });
});
