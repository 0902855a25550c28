import { strict as assert } from 'node:assert';
import path from 'node:path';
import { ConfigError, readConfig } from '../src/config.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'a-production-secret-of-at-least-32-chars',
  MONGODB_URI: 'mongodb://db.internal:27017/client_area',
  REDIS_URL: 'redis://cache.internal:6379',
  TOTP_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
};

describe('Configuration is read and checked once at start-up', function () {
  it('starts on the embedded default with nothing set', function () {
    const config = readConfig({}, '/srv/app');

    assert.equal(config.production, false);
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.mongodbUri, null);
    assert.equal(config.redisUrl, null);
    assert.equal(config.dataDir, path.resolve('/srv/app/data'));
    assert.equal(config.totpIssuer, 'Client Area');
    assert.equal(config.sessionSecretGenerated, true);
    assert.equal(config.sessionCookieName, 'sid');
    assert.equal(config.trustProxy, 0);
  });

  it('in production names every missing variable', function () {
    assert.throws(
      () => readConfig({ NODE_ENV: 'production' }),
      new ConfigError(
        'Missing required environment variable(s) for production: SESSION_SECRET, MONGODB_URI, ' +
          'REDIS_URL, TOTP_ENCRYPTION_KEY.',
      ),
    );
    assert.throws(
      () => readConfig({ ...PRODUCTION, REDIS_URL: ' ' }),
      /for production: REDIS_URL\.$/,
    );
  });

  it('in production uses the __Host- cookie, all interfaces and one trusted proxy', function () {
    const config = readConfig(PRODUCTION);

    assert.equal(config.sessionCookieName, '__Host-sid');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.trustProxy, 1);
    assert.equal(config.sessionSecretGenerated, false);
  });

  it('refuses values it cannot use, naming the variable', function () {
    assert.throws(() => readConfig({ PORT: 'eighty' }), /PORT must be a whole number/);
    assert.throws(
      () => readConfig({ SESSION_SECRET: 'short' }),
      /SESSION_SECRET must be at least 32/,
    );
    assert.throws(
      () => readConfig({ MONGODB_URI: 'postgres://x' }),
      /MONGODB_URI must start with mongodb:/,
    );
    assert.throws(() => readConfig({ REDIS_URL: 'not a url' }), /REDIS_URL is not a valid URL/);
    assert.throws(() => readConfig({ TRUST_PROXY: '-1' }), /TRUST_PROXY must be/);
    assert.throws(
      () => readConfig({ TOTP_ISSUER: 'x'.repeat(65) }),
      /TOTP_ISSUER must be at most 64/,
    );
  });

  it('ASVS V13.3.1: TOTP_ENCRYPTION_KEY is a key ring whose first key seals, the rest only open', function () {
    const keyA = Buffer.alloc(32, 0xa1);
    const config = readConfig({
      TOTP_ENCRYPTION_KEY: ` new:${Buffer.alloc(32, 2).toString('base64url')} , old:${keyA.toString('base64')}`,
    });
    const old = readConfig({ TOTP_ENCRYPTION_KEY: `old:${keyA.toString('base64')}` });

    assert.equal(config.totpKeys?.currentKeyId, 'new');
    assert.deepEqual(config.totpKeys?.keyIds, ['new', 'old']);
    const sealedByOld = old.totpKeys?.seal('JBSWY3DPEHPK3PXP', 'account-1');
    assert.equal(sealedByOld?.keyId, 'old');
    assert.equal(config.totpKeys?.open(sealedByOld!, 'account-1'), 'JBSWY3DPEHPK3PXP');
    assert.equal(config.totpKeys?.seal('JBSWY3DPEHPK3PXP', 'account-1').keyId, 'new');
    assert.equal(readConfig({}).totpKeys, null, 'outside production the key file stands in');
    assert.ok(!JSON.stringify(config).includes(keyA.toString('base64')), 'no key in its JSON');
  });

  it('ASVS V13.3.1: refuses a TOTP_ENCRYPTION_KEY it cannot use, without repeating it', function () {
    const key = Buffer.alloc(32, 3).toString('base64');
    const refused: [string, RegExp][] = [
      [key, /entry 1 must start with a key id/],
      [`:${key}`, /entry 1 must start with a key id/],
      [`a b:${key}`, /entry 1 must start with a key id/],
      [`k1:${key},`, /entry 2 must start with a key id/],
      [`k1:${key.slice(0, -4)}`, /entry 1 must hold a key of 32 random bytes/],
      [`k1:${key}AAAA`, /entry 1 must hold a key of 32 random bytes/],
      [`k1:${key.replace('A', '*')}`, /entry 1 must hold a key of 32 random bytes/],
      [`k1:${key},k1:${key}`, /entry 2 repeats the key id of an earlier entry/],
    ];

    for (const [value, says] of refused) {
      assert.throws(
        () => readConfig({ TOTP_ENCRYPTION_KEY: value }),
        (error: Error) =>
          error instanceof ConfigError &&
          error.message.startsWith('TOTP_ENCRYPTION_KEY must be') &&
          says.test(error.message) &&
          !error.message.includes(key.slice(0, 12)),
        value,
      );
    }
  });
});
