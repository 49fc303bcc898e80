/**
 * A provider's settings come from a file, the environment and flags, later ones winning, and a bad value stops
 * the start with a message that names it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '@parley/provider';
import { tempDir } from '@parley/testing';

describe('provider settings', () => {
  it('merges file, environment and flags in rising precedence over the defaults', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'provider.json');
      writeFileSync(
        file,
        JSON.stringify({
          domain: 'file.example',
          port: 7000,
          data: '/srv/parley',
          retention: { maxAgeMs: 60_000 },
          rateLimits: { login: { capacity: 3, perMinute: 1 } },
        }),
      );
      const settings = loadSettings(
        { config: file, port: '7002' },
        { PARLEY_DOMAIN: 'env.example', PARLEY_PORT: '7001', PARLEY_LOG_LEVEL: 'warn' },
      );
      assert.equal(settings.provider.domain, 'env.example');
      assert.equal(settings.provider.port, 7002);
      assert.equal(settings.provider.logLevel, 'warn');
      assert.equal(settings.provider.retention.maxAgeMs, 60_000);
      assert.equal(
        settings.provider.retention.pruneIntervalMs,
        60_000,
        'defaults fill what the file leaves out',
      );
      assert.deepEqual(settings.provider.rateLimits.login, { capacity: 3, perMinute: 1 });
      assert.equal(settings.dataDir, '/srv/parley');
      assert.equal(settings.databaseUrl, undefined);
    } finally {
      dir.remove();
    }
  });

  it('takes a PostgreSQL URL from the environment', () => {
    const settings = loadSettings({}, { PARLEY_DB: 'postgres://db.example/parley' });
    assert.equal(settings.databaseUrl, 'postgres://db.example/parley');
    assert.equal(settings.dataDir, './.parley');
  });

  it('refuses invalid settings with the field named', () => {
    assert.throws(() => loadSettings({ port: '99999' }, {}), /invalid configuration: \/port/);
    assert.throws(() => loadSettings({ logLevel: 'loud' }, {}), /invalid configuration: \/logLevel/);
  });
});
