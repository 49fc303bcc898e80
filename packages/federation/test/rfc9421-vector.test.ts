// RFC 9421 Appendix B.2.6 (Ed25519 over a POST request), reproduced byte for byte from the shared vector.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  componentId,
  importPrivateJwk,
  importPublicJwk,
  type OkpPrivateJwk,
  requestView,
  signatureBase,
  signRequest,
  verifyRequest,
} from '@parley/federation';
import { vectorsDir } from '@parley/testing';

interface Vector {
  key: { keyid: string; jwk: OkpPrivateJwk };
  request: { method: string; url: string; headers: [string, string][]; body: string };
  label: string;
  components: string[];
  created: number;
  signatureBase: string;
  signatureInput: string;
  signature: string;
}

const vector = JSON.parse(readFileSync(vectorsDir('rfc9421', 'b26-ed25519.json'), 'utf8')) as Vector;
const privateKey = importPrivateJwk(vector.key.jwk);
const { d: _secret, ...publicJwk } = vector.key.jwk;
const publicKey = importPublicJwk(publicJwk);

test('the vector is the one we think it is', () => {
  assert.equal(vector.label, 'sig-b26');
  assert.equal(vector.key.keyid, 'test-key-ed25519');
  assert.ok(publicKey);
});

test('signature base matches B.2.6 byte for byte', () => {
  const request = requestView(vector.request);
  const params = new Map<string, string | number>([
    ['created', vector.created],
    ['keyid', vector.key.keyid],
  ]);
  const built = signatureBase(
    { kind: 'request', request },
    { items: vector.components.map(componentId), params },
  );
  assert.ok(built.ok);
  assert.deepEqual(Buffer.from(built.base, 'utf8'), Buffer.from(vector.signatureBase, 'utf8'));
});

test('Signature-Input and the deterministic Ed25519 Signature match B.2.6', () => {
  const added = signRequest({
    ...vector.request,
    keyId: vector.key.keyid,
    privateKey,
    created: vector.created,
    label: vector.label,
    components: vector.components,
    includeAlg: false,
  });
  assert.equal(added['signature-input'], vector.signatureInput);
  assert.equal(added.signature, vector.signature);
});

test("the vector's signature verifies with its public key", async () => {
  const headers: [string, string][] = [
    ...vector.request.headers,
    ['Signature-Input', vector.signatureInput],
    ['Signature', vector.signature],
  ];
  const result = await verifyRequest({
    method: vector.request.method,
    url: vector.request.url,
    headers,
    now: (vector.created + 10) * 1000,
    maxAgeSeconds: 300,
    resolveKey: async (id) => (id === vector.key.keyid ? publicKey : undefined),
    requiredComponents: vector.components,
  });
  assert.deepEqual(result, {
    ok: true,
    keyId: vector.key.keyid,
    created: vector.created,
    label: vector.label,
    components: vector.components,
  });
});

test('one flipped bit in the vector signature fails verification', async () => {
  const bad = vector.signature.replace(':wqc', ':wqd');
  assert.notEqual(bad, vector.signature);
  const result = await verifyRequest({
    method: vector.request.method,
    url: vector.request.url,
    headers: [...vector.request.headers, ['Signature-Input', vector.signatureInput], ['Signature', bad]],
    now: vector.created * 1000,
    maxAgeSeconds: 300,
    resolveKey: async () => publicKey,
    requiredComponents: [],
  });
  assert.deepEqual(result, { ok: false, reason: 'badSignature' });
});

test('our profile is stricter than the RFC: with its body, B.2.6 lacks content-digest and is refused', async () => {
  const result = await verifyRequest({
    ...vector.request,
    headers: [
      ...vector.request.headers,
      ['Signature-Input', vector.signatureInput],
      ['Signature', vector.signature],
    ],
    now: vector.created * 1000,
    maxAgeSeconds: 300,
    resolveKey: async () => publicKey,
    requiredComponents: [],
  });
  assert.deepEqual(result, { ok: false, reason: 'missingComponent' });
});
