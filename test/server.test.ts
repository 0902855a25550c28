import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import http from 'node:http';
import Database from 'better-sqlite3';
import { Customer } from './support/customer.js';
import {
  newPerson,
  readConnectWindow,
  register,
  signInWithPassword,
  signOut,
} from './support/flows.js';
import { totpFromBase32 } from './support/rfc6238.js';

/** The real entry point, as the PaaS runs it: a separate process, configured by environment. */
function startServer(env: Record<string, string>): ChildProcess {
  const clean = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  return spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let text = '';
  for await (const chunk of stream ?? []) text += String(chunk);
  return text;
}

describe('The server process', function () {
  this.timeout(30_000);
  let dataDir: string;

  beforeEach(function () {
    dataDir = mkdtempSync(path.join(tmpdir(), 'client-area-server-'));
  });

  afterEach(function () {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start in production without its stores, naming what is missing', async function () {
    const server = startServer({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) });
    const [stderr, [code]] = await Promise.all([collect(server.stderr), once(server, 'exit')]);

    assert.equal(code, 78);
    assert.match(
      stderr,
      /variable\(s\) for production: MONGODB_URI, REDIS_URL, TOTP_ENCRYPTION_KEY\./,
    );
  });

  it('starts on the embedded default, says which stores, and stops cleanly on SIGTERM', async function () {
    const server = startServer({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const lines = createInterface({ input: server.stdout as NodeJS.ReadableStream });
    const logged: Record<string, unknown>[] = [];
    let port = 0;

    for await (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logged.push(entry);
      if (entry.event === 'server.listening') {
        port = entry.port as number;
        break;
      }
    }

    const stores = logged.find((entry) => entry.event === 'server.stores');
    assert.match(
      String(stores?.stores),
      /accounts in SQLite under .*embedded default.*sessions in process memory/,
    );
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const login = await fetch(`http://127.0.0.1:${port}/login`);
    assert.match(await login.text(), /Sign in/);

    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    assert.equal(code, 0);
  });

  it('on SIGTERM finishes a request in flight, closes its connection and exits at once', async function () {
    const server = startServer({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const port = await listeningPort(server);
    const agent = new http.Agent({ keepAlive: true });
    const body = 'email=slow%40example.com&password=typed+slowly';
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/login',
      agent,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': body.length,
      },
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));

    server.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const responded = once(request, 'response');
    request.end(body.slice(10));
    const [response] = (await responded) as [http.IncomingMessage];
    response.resume();
    const finishedAt = Date.now();
    const [code] = await once(server, 'exit');

    assert.equal(response.statusCode, 403, 'the request was answered (no CSRF token)');
    assert.equal(response.headers.connection, 'close');
    assert.equal(code, 0);
    assert.ok(Date.now() - finishedAt < 3_000, 'no wait for the keep-alive timeout');
    agent.destroy();
  });
});

async function listeningPort(server: ChildProcess): Promise<number> {
  const lines = createInterface({ input: server.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.event === 'server.listening') {
      lines.close();
      server.stdout?.resume();
      return entry.port as number;
    }
  }
  throw new Error('the server never said it was listening');
}

/** The log lines up to "listening", and the port; later lines are read and dropped. */
async function untilListening(
  server: ChildProcess,
): Promise<{ port: number; logged: Record<string, unknown>[] }> {
  const lines = createInterface({ input: server.stdout as NodeJS.ReadableStream });
  const logged: Record<string, unknown>[] = [];

  for await (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    logged.push(entry);
    if (entry.event === 'server.listening') {
      lines.close();
      server.stdout?.resume();
      return { port: entry.port as number, logged };
    }
  }
  throw new Error('the server never said it was listening');
}

async function stop(server: ChildProcess): Promise<void> {
  server.kill('SIGTERM');
  const [code] = await once(server, 'exit');
  assert.equal(code, 0);
}

/** A code from the app for the time step `stepsBack` steps before now, by the real clock. */
async function codeFromAppNow(secret: string, stepsBack = 0): Promise<string> {
  // Not in the last second of a step, so the code is still current when it arrives.
  if (Date.now() % 30_000 > 29_000) await new Promise((resolve) => setTimeout(resolve, 1_100));
  return totpFromBase32(secret, Date.now() - stepsBack * 30_000);
}

describe('The server process and the key for TOTP secrets', function () {
  this.timeout(60_000);
  let dataDir: string;
  const production = {
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    MONGODB_URI: 'mongodb://127.0.0.1:9/unused',
    REDIS_URL: 'redis://127.0.0.1:9',
  };

  beforeEach(function () {
    dataDir = mkdtempSync(path.join(tmpdir(), 'client-area-key-'));
  });

  afterEach(function () {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ASVS V13.3.1: production refuses to start without TOTP_ENCRYPTION_KEY, naming it', async function () {
    const server = startServer(production);
    const [stderr, [code]] = await Promise.all([collect(server.stderr), once(server, 'exit')]);

    assert.equal(code, 78);
    assert.match(stderr, /for production: TOTP_ENCRYPTION_KEY\./);
  });

  it('ASVS V13.3.1: a malformed TOTP_ENCRYPTION_KEY stops the start, named but never printed', async function () {
    const shortKey = `k1:${Buffer.alloc(16, 0x5a).toString('base64')}`;
    const noKeyId = Buffer.alloc(32, 0x5b).toString('base64');

    for (const [value, says] of [
      [shortKey, /entry 1 must hold a key of 32 random bytes in base64/],
      [noKeyId, /entry 1 must start with a key id/],
      [`k1:${noKeyId},k2:${shortKey.slice(3)}`, /entry 2 must hold a key of 32/],
    ] as const) {
      const server = startServer({ ...production, TOTP_ENCRYPTION_KEY: value });
      const [stderr, [code]] = await Promise.all([collect(server.stderr), once(server, 'exit')]);

      assert.equal(code, 78);
      assert.match(stderr, /^Configuration error: TOTP_ENCRYPTION_KEY must be keyId:base64key/);
      assert.match(stderr, says);
      assert.ok(!stderr.includes(value.slice(3, 20)), 'no key material in the message');
    }
  });

  it('an embedded data file from before encryption is refused while it holds a plain secret', async function () {
    const file = path.join(dataDir, 'accounts.sqlite');
    const db = new Database(file);
    db.exec(`CREATE TABLE accounts (id TEXT PRIMARY KEY, email TEXT NOT NULL,
      email_normalized TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
      password_hash TEXT NOT NULL, created_at INTEGER NOT NULL, totp_secret TEXT,
      totp_enabled_at INTEGER, totp_last_step INTEGER, pending_totp_secret TEXT,
      pending_totp_created_at INTEGER)`);
    db.prepare(
      `INSERT INTO accounts VALUES ('a1', 'old@example.com', 'old@example.com', 'Old', 'Data',
         'hash', 0, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 0, 0, NULL, NULL)`,
    ).run();
    db.close();
    const env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };

    const refused = startServer(env);
    const [stderr, [code]] = await Promise.all([collect(refused.stderr), once(refused, 'exit')]);
    assert.equal(code, 1);
    assert.match(stderr, /accounts\.sqlite holds TOTP secrets stored unencrypted/);
    assert.ok(!stderr.includes('JBSWY3DP'));

    const cleared = new Database(file);
    cleared.exec('UPDATE accounts SET totp_secret = NULL');
    cleared.close();
    const started = startServer(env);
    await untilListening(started);
    await stop(started);
    const upgraded = new Database(file, { readonly: true });
    const columns = upgraded.prepare('PRAGMA table_info(accounts)').all() as { name: string }[];
    upgraded.close();
    assert.ok(
      columns.some((column) => column.name === 'totp_key_id'),
      'the new columns added',
    );
  });

  it('ASVS V13.3.1: the embedded default generates its key once into DATA_DIR, with a warning, and reuses it', async function () {
    const env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const keyFile = path.join(dataDir, 'totp-encryption.key');
    const person = newPerson();

    const first = startServer(env);
    const started = await untilListening(first);
    const warning = started.logged.find((entry) => entry.event === 'config.totp_key_generated');
    assert.equal(warning?.level, 40, 'a warning');
    assert.equal(warning?.file, keyFile);
    assert.match(String(warning?.msg), /Back it up.*Production needs TOTP_ENCRYPTION_KEY/);
    const keyText = readFileSync(keyFile, 'utf8');
    assert.match(keyText, /^local-[0-9a-f]{6}:[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'readable by the owner only');

    const customer = new Customer(`http://127.0.0.1:${started.port}`);
    await register(customer, person);
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const { secret } = readConnectWindow(customer.page.html);
    // The previous step's code, so the sign-in after the restart may use the current one.
    await customer.press('Submit', {
      'Enter authentication code': await codeFromAppNow(secret, 1),
    });
    assert.match(customer.text('dialog'), /Two-Factor Authentication is now enabled/);
    await signOut(customer);
    await stop(first);

    const second = startServer(env);
    const restarted = await untilListening(second);
    const events = restarted.logged.map((entry) => entry.event);
    assert.ok(!events.includes('config.totp_key_generated'), 'no second key');
    assert.ok(events.includes('config.totp_key_file'));
    assert.equal(readFileSync(keyFile, 'utf8'), keyText);

    const again = new Customer(`http://127.0.0.1:${restarted.port}`);
    await signInWithPassword(again, person);
    await again.press('Verify', { 'Enter authentication code': await codeFromAppNow(secret) });
    assert.equal(again.page.path, '/', again.errors().join(' '));
    assert.match(again.text('header'), /Hello, Ada!/);
    await stop(second);
  });
});
