import { strict as assert } from 'node:assert';
import path from 'node:path';
import { ConfigError, readConfig } from '../src/config.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'a-production-secret-of-at-least-32-chars',
  MONGODB_URI: 'mongodb://db.internal:27017/client_area',
  REDIS_URL: 'redis://cache.internal:6379',
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
        'Missing required environment variable(s) for production: SESSION_SECRET, MONGODB_URI, REDIS_URL.',
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
});
