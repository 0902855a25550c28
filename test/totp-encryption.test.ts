import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import { MESSAGES } from '../src/messages.js';
import { buildApp, testConfig, TEST_TOTP_KEY, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  enableTwoFactor,
  newPerson,
  readConnectWindow,
  register,
  signInWithPassword,
  signOut,
  type Person,
} from './support/flows.js';
import { forEachStorePair, useStores } from './support/stores.js';

const KEY_A = `A:${Buffer.alloc(32, 0xa1).toString('base64')}`;
const KEY_B = `B:${Buffer.alloc(32, 0xb2).toString('base64')}`;

/** Log lines kept in memory, to see what an operator would read. */
function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

forEachStorePair('TOTP secrets encrypted at rest', (pair) => {
  const stores = useStores(pair);
  const clock = new TestClock();
  const appWithKeys = (keys: string): Express =>
    buildApp(stores(), clock, testConfig({ TOTP_ENCRYPTION_KEY: keys }));

  async function enrolled(app: Express): Promise<{ person: Person; secret: string }> {
    const person = newPerson();
    const customer = new Customer(app);
    await register(customer, person);
    const { secret } = await enableTwoFactor(customer, clock);
    await signOut(customer);
    return { person, secret };
  }

  /** The password step, then the app's code: the customer's page at the end. */
  async function signInWithCode(app: Express, person: Person, secret: string): Promise<Customer> {
    const customer = new Customer(app);
    clock.nextTimeStep();
    await signInWithPassword(customer, person);
    assert.equal(customer.text('h1'), 'Two-step verification');
    await customer.press('Verify', { 'Enter authentication code': codeFromApp(secret, clock) });
    return customer;
  }

  async function assertFailedClosed(customer: Customer): Promise<void> {
    assert.equal(customer.page.status, 503);
    assert.match(customer.text('main'), new RegExp(MESSAGES.twoFactorUnavailable.slice(0, 40)));
    assert.doesNotMatch(customer.page.html, /\bat \S+\.[jt]s:\d+/, 'no stack trace');
    await customer.visit('/');
    assert.match(customer.page.path, /^\/login/, 'not signed in');
  }

  it('ASVS V11.3.3: the stored record holds no TOTP secret, only ciphertext and its key id', async function () {
    const person = newPerson();
    const email = person.email.toLowerCase();
    const customer = new Customer(appWithKeys(TEST_TOTP_KEY));
    await register(customer, person);
    await customer.visit('/');
    await customer.clickLink('Security Settings');
    await customer.clickLink('Click here to Enable');

    await customer.press('Get Started');
    const { secret } = readConnectWindow(customer.page.html);
    const pending = await stores().raw.totpFields(email);

    assert.equal(pending.pending?.keyId, 'test');
    assert.doesNotMatch(await stores().raw.recordText(email), new RegExp(secret, 'i'));

    await customer.press('Submit', { 'Enter authentication code': codeFromApp(secret, clock) });
    assert.match(customer.text('dialog'), /Two-Factor Authentication is now enabled/);
    const stored = await stores().raw.totpFields(email);
    const record = await stores().raw.recordText(email);

    assert.equal(stored.active?.keyId, 'test');
    assert.equal(stored.pending, null);
    // iv (12 bytes) | tag (16) | the 32 base32 characters: 60 bytes, 80 in base64url.
    assert.match(stored.active?.ciphertext ?? '', /^[A-Za-z0-9_-]{80}$/);
    assert.doesNotMatch(record, new RegExp(secret, 'i'));
    assert.doesNotMatch(record, new RegExp(secret.slice(0, 16), 'i'), 'not even half of it');
  });

  it('ASVS V11.3.3: sealing the same secret twice gives different ciphertexts (a fresh IV)', async function () {
    const person = newPerson();
    const email = person.email.toLowerCase();
    const customer = new Customer(appWithKeys(TEST_TOTP_KEY));
    await register(customer, person);
    await customer.visit('/security/two-factor/enable');

    await customer.press('Get Started');
    const first = (await stores().raw.totpFields(email)).pending;
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const second = (await stores().raw.totpFields(email)).pending;

    assert.ok(first && second);
    assert.notEqual(first.ciphertext.slice(0, 16), second.ciphertext.slice(0, 16));
  });

  it('ASVS V13.3.1: after a restart with "B:...,A:..." secrets sealed under A still work, new ones use B', async function () {
    const underA = await enrolled(appWithKeys(KEY_A));
    assert.equal(
      (await stores().raw.totpFields(underA.person.email.toLowerCase())).active?.keyId,
      'A',
    );
    const rotated = appWithKeys(`${KEY_B},${KEY_A}`);

    const customer = await signInWithCode(rotated, underA.person, underA.secret);
    assert.equal(customer.page.path, '/');
    assert.match(customer.text('header'), /Hello, Ada!/);

    const underB = await enrolled(rotated);
    const stored = await stores().raw.totpFields(underB.person.email.toLowerCase());
    assert.equal(stored.active?.keyId, 'B');
    assert.equal((await signInWithCode(rotated, underB.person, underB.secret)).page.path, '/');
  });

  it('ASVS V13.3.1: a secret whose key id is no longer configured fails closed, logged without key material', async function () {
    const underA = await enrolled(appWithKeys(KEY_A));
    const { logger, lines } = memoryLogger();
    const withoutA = buildApp(stores(), clock, testConfig({ TOTP_ENCRYPTION_KEY: KEY_B }), {
      logger,
    });

    const customer = await signInWithCode(withoutA, underA.person, underA.secret);

    await assertFailedClosed(customer);
    const fault = lines.find((line) => line.event === 'two_factor.secret_unreadable');
    assert.equal(fault?.level, 50, 'an error line');
    assert.equal(fault?.keyId, 'A');
    assert.equal(fault?.reason, 'unknown-key');
    assert.ok(fault?.accountId);
    const logged = JSON.stringify(lines);
    for (const material of [underA.secret, KEY_A.slice(2), KEY_B.slice(2)]) {
      assert.ok(!logged.includes(material), 'no secret or key in the log');
    }
    assert.ok(!lines.some((line) => line.event === 'sign_in.succeeded'));
  });

  it('ASVS V11.3.3: a tampered ciphertext fails closed', async function () {
    const app = appWithKeys(TEST_TOTP_KEY);
    const { person, secret } = await enrolled(app);
    const email = person.email.toLowerCase();
    const { active } = await stores().raw.totpFields(email);
    assert.ok(active);
    const last = active.ciphertext.at(-1) === 'A' ? 'B' : 'A';

    await stores().raw.writeActiveTotp(email, {
      keyId: active.keyId,
      ciphertext: active.ciphertext.slice(0, -1) + last,
    });
    const customer = await signInWithCode(app, person, secret);

    await assertFailedClosed(customer);
  });

  it('ASVS V11.3.3: a sealed secret copied onto another account does not open there', async function () {
    const app = appWithKeys(TEST_TOTP_KEY);
    const victim = await enrolled(app);
    const attacker = await enrolled(app);
    const { active } = await stores().raw.totpFields(victim.person.email.toLowerCase());
    assert.ok(active);

    // The attacker's account now carries the victim's sealed secret, so the attacker's
    // authenticator would have to hold the victim's secret: it must not open at all.
    await stores().raw.writeActiveTotp(attacker.person.email.toLowerCase(), active);
    const customer = await signInWithCode(app, attacker.person, victim.secret);

    await assertFailedClosed(customer);
  });

  it('ASVS V11.3.3: an unreadable pending secret shows no QR code and turns nothing on', async function () {
    const person = newPerson();
    const customer = new Customer(appWithKeys(KEY_A));
    await register(customer, person);
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const later = new Customer(appWithKeys(KEY_B));
    await signInWithPassword(later, person);

    await later.visit('/security/two-factor/connect');

    assert.equal(later.page.status, 503);
    assert.doesNotMatch(later.page.html, /data:image\/png/);
    const stored = await stores().raw.totpFields(person.email.toLowerCase());
    assert.equal(stored.active, null);

    await later.visit('/security/two-factor/enable');
    await later.press('Get Started');
    assert.equal(later.page.status, 200, 'starting again seals a new secret under B');
    assert.equal((await stores().raw.totpFields(person.email.toLowerCase())).pending?.keyId, 'B');
  });
});
