// Content-Digest (RFC 9530): the RFC's example values, and every outcome of checking a header against a body.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentDigest, verifyContentDigest } from '@parley/federation';

describe('content digest (RFC 9530)', () => {
  const hello = new TextEncoder().encode('{"hello": "world"}');
  test('RFC 9530 example values', () => {
    assert.equal(contentDigest(hello), 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    assert.equal(
      contentDigest(hello, 'sha-512'),
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    );
  });
  test('verification outcomes', () => {
    assert.deepEqual(verifyContentDigest(contentDigest(hello), hello), { ok: true });
    assert.deepEqual(verifyContentDigest(`${contentDigest(hello, 'sha-512')}, md5=:AAAA:`, hello), {
      ok: true,
    });
    assert.deepEqual(verifyContentDigest(undefined, hello), { ok: false, reason: 'missing' });
    assert.deepEqual(verifyContentDigest('sha-256=X48E', hello), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyContentDigest('md5=:AAAA:', hello), { ok: false, reason: 'unsupported' });
    assert.deepEqual(verifyContentDigest(contentDigest(new Uint8Array(1)), hello), {
      ok: false,
      reason: 'mismatch',
    });
    const oneBad = `${contentDigest(hello)}, sha-512=:${Buffer.alloc(64).toString('base64')}:`;
    assert.deepEqual(verifyContentDigest(oneBad, hello), { ok: false, reason: 'mismatch' });
  });
});
