// Signing keys as JWKs (RFC 8037) and their RFC 7638 thumbprints, and what an untrusted JWK must be to be imported.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportPublicJwk, generateSigningKey, importPublicJwk, keyId } from '@parley/federation';

const alice = generateSigningKey();

describe('keys', () => {
  test('RFC 8037 A.3 thumbprint, and JWK round trips', () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } as const;
    assert.equal(keyId(jwk), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
    const imported = importPublicJwk(jwk);
    assert.ok(imported);
    assert.deepEqual(exportPublicJwk(imported), jwk);
    assert.equal(keyId(exportPublicJwk(alice.privateKey)), keyId(alice.publicKey));
  });

  test('untrusted JWKs that are not Ed25519 OKP keys are refused', () => {
    for (const jwk of [
      null,
      'x',
      {},
      { kty: 'EC', crv: 'Ed25519', x: 'a' },
      { kty: 'OKP', crv: 'X25519', x: exportPublicJwk(alice.publicKey).x },
      { kty: 'OKP', crv: 'Ed25519', x: 'short' },
    ]) {
      assert.equal(importPublicJwk(jwk), undefined, JSON.stringify(jwk));
    }
  });
});
