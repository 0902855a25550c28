import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import type { Express } from 'express';
import { buildApp, testConfig, TestClock } from './support/app.js';
import { DEFAULT_GUESSING_LIMITS } from '../src/auth/guessing-limits.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  newPerson,
  register,
  signInWithPassword,
  type Enrolment,
  type Person,
} from './support/flows.js';
import { enrolledCustomer } from './support/scenes.js';
import { forEachStorePair, storePairs, useStores } from './support/stores.js';

/** Every address that changes something, and so takes only a POST with a form token. */
const STATE_CHANGES = [
  '/logout',
  '/security/two-factor/enable',
  '/security/two-factor/connect',
  '/security/two-factor/disable',
  '/security/backup-codes/new',
  '/security/confirm-password',
  '/security/sessions/end-others',
];

/** Every page behind the sign-in. */
const CLIENT_AREA_PAGES = [
  '/',
  '/security',
  '/security/two-factor/enable',
  '/security/two-factor/connect',
  '/security/two-factor/disable',
  '/security/backup-codes/new',
  '/security/confirm-password?next=%2Fsecurity%2Fbackup-codes%2Fnew',
];

forEachStorePair('Sign-in paths and state changes', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let person: Person;
  let enrolment: Enrolment;

  beforeEach(async function () {
    ({ app, clock, person, enrolment } = await enrolledCustomer(stores()));
    clock.nextTimeStep();
  });

  it('ASVS V6.3.4: with two-factor on, no page and no change is reachable on the password alone', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    assert.equal(customer.page.path, '/login/code');
    const token = encodeURIComponent(customer.csrfToken());

    for (const page of CLIENT_AREA_PAGES) {
      await customer.visit(page);
      assert.equal(customer.page.path, '/login/code', `${page} leads to the second step`);
    }
    for (const change of STATE_CHANGES.filter((path) => path !== '/logout')) {
      await customer.postRaw(change, `_csrf=${token}&method=totp&code=000000&password=x`);
      assert.equal(customer.page.path, '/login/code', `${change} leads to the second step`);
    }
    await customer.visit('/register');
    assert.equal(customer.page.path, '/register', 'registering is no way in: no one is signed in');

    const account = await stores().accounts.findByEmail(person.email.toLowerCase());
    assert.ok(account?.totp, 'two-factor is still on');
    assert.equal(account.backupCodes.length, 10);
  });

  it('ASVS V3.5.1: every state-changing form is refused without its token', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });

    for (const change of STATE_CHANGES) {
      await customer.postRaw(change, 'code=000000&password=x');
      assert.equal(customer.page.status, 403, change);
      await customer.postRaw(change, '_csrf=forged-token&code=000000&password=x');
      assert.equal(customer.page.status, 403, change);
    }

    await customer.visit('/');
    assert.equal(customer.page.path, '/', 'still signed in: the sign-out form was refused');
  });

  it("ASVS V3.5.3: a GET to a change's address changes nothing", async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    const before = await stores().accounts.findByEmail(person.email.toLowerCase());

    for (const change of STATE_CHANGES) await customer.visit(change);

    await customer.visit('/');
    assert.equal(customer.page.path, '/', 'still signed in');
    const after = await stores().accounts.findByEmail(person.email.toLowerCase());
    assert.deepEqual(after, before);
  });
});

forEachStorePair(
  'Password checks',
  (pair) => {
    const stores = useStores(pair);

    async function medianSignInMs(app: Express, email: string, password: string): Promise<number> {
      const times: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const customer = new Customer(app);
        await customer.visit('/login');
        const started = performance.now();
        await customer.press('Sign in', { 'Email address': email, Password: password });
        times.push(performance.now() - started);
        assert.equal(customer.page.status, 401);
      }
      return times.sort((a, b) => a - b)[3] as number;
    }

    // Not a speed measurement: an unknown email that skipped the hash would answer about
    // twenty times faster, which no machine's noise hides. The bounds are that wide.
    it('ASVS V6.3.8: an unknown email costs a password hash, like a wrong password', async function () {
      // Limits high enough that the measured tries are all answered, none paused.
      const roomy = { tries: 1000, windowSeconds: 60, pauseSeconds: 1 };
      const app = buildApp(stores(), new TestClock(), testConfig(), {
        guessingLimits: stores().guessingLimits({
          ...DEFAULT_GUESSING_LIMITS,
          passwordPerAccountAndIp: roomy,
          passwordPerAccount: roomy,
        }),
      });
      const person = newPerson();
      await register(new Customer(app), person);

      const wrongPassword = await medianSignInMs(app, person.email, 'not the password');
      const unknownEmail = await medianSignInMs(app, 'nobody@example.com', 'not the password');

      const figures = `unknown ${unknownEmail.toFixed(1)} ms, wrong ${wrongPassword.toFixed(1)} ms`;
      assert.ok(unknownEmail > wrongPassword / 3, figures);
    });
  },
  storePairs().slice(0, 1),
);
