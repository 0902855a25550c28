import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import { DEFAULT_GUESSING_LIMITS } from '../src/auth/guessing-limits.js';
import { buildApp, testConfig, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  newPerson,
  register,
  signInWithPassword,
  signOut,
  type Enrolment,
  type Person,
} from './support/flows.js';
import { enrolledCustomer } from './support/scenes.js';
import { forEachStorePair, useStores } from './support/stores.js';

const MINUTE = 60 * 1000;
const CONFIRM = '/security/confirm-password';

forEachStorePair('Re-authentication before sensitive changes', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let person: Person;
  let enrolment: Enrolment;
  let customer: Customer;

  beforeEach(async function () {
    ({ app, clock, person, enrolment } = await enrolledCustomer(stores()));
    customer = new Customer(app);
    clock.nextTimeStep();
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    assert.equal(customer.page.path, '/');
  });

  it('ASVS V7.5.1: turning two-factor off and making new codes ask for the password first', async function () {
    for (const page of ['/security/two-factor/disable', '/security/backup-codes/new']) {
      await customer.visit(page);
      assert.equal(customer.page.path, `${CONFIRM}?next=${encodeURIComponent(page)}`);
      assert.match(customer.text('h1'), /Confirm your password/);
    }

    await customer.press('Confirm', { 'Current password': 'not the password' });
    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), ['There is a problem The password is incorrect.']);
    await customer.press('Confirm', { 'Current password': '' });
    assert.equal(customer.page.status, 422);

    await customer.press('Confirm', { 'Current password': person.password });
    assert.equal(customer.page.path, '/security/backup-codes/new');
  });

  it('ASVS V7.5.1: a form posted without the password confirmed changes nothing', async function () {
    await customer.visit('/security');
    const token = encodeURIComponent(customer.csrfToken());

    await customer.postRaw('/security/backup-codes/new', `_csrf=${token}`);
    assert.match(customer.page.path, /^\/security\/confirm-password/);
    await customer.postRaw(
      '/security/two-factor/disable',
      `_csrf=${token}&code=${enrolment.backupCodes[0] as string}`,
    );
    assert.match(customer.page.path, /^\/security\/confirm-password/);

    const account = await stores().accounts.findByEmail(person.email.toLowerCase());
    assert.ok(account?.totp, 'two-factor is still on');
    assert.equal(account.backupCodes.length, 10, 'no code was used or replaced');
  });

  it('ASVS V7.5.1: the typed password is good for 10 minutes, then asked for again', async function () {
    await customer.visit('/security/backup-codes/new');
    await customer.press('Confirm', { 'Current password': person.password });
    assert.equal(customer.page.path, '/security/backup-codes/new');

    clock.advance(9 * MINUTE);
    await customer.visit('/security/two-factor/disable');
    assert.equal(customer.page.path, '/security/two-factor/disable');

    clock.advance(1 * MINUTE);
    await customer.visit('/security/two-factor/disable');
    assert.match(customer.page.path, /^\/security\/confirm-password/);
  });

  it('the confirmation page leads only to the sensitive pages, never elsewhere', async function () {
    await customer.visit(`${CONFIRM}?next=${encodeURIComponent('//evil.example/')}`);
    assert.equal(customer.page.path, '/security');

    await customer.visit(`${CONFIRM}?next=${encodeURIComponent('/security/backup-codes/new')}`);
    const token = encodeURIComponent(customer.csrfToken());
    await customer.postRaw(
      CONFIRM,
      `_csrf=${token}&next=${encodeURIComponent('https://evil.example/')}&password=x`,
    );
    assert.equal(customer.page.path, '/security');
  });

  it('a new sign-in starts without the confirmation of the old session', async function () {
    await customer.visit('/security/backup-codes/new');
    await customer.press('Confirm', { 'Current password': person.password });
    await signOut(customer);
    clock.nextTimeStep();
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });

    await customer.visit('/security/backup-codes/new');
    assert.match(customer.page.path, /^\/security\/confirm-password/);
  });

  it('ASVS V6.3.1: wrong passwords on the confirmation page are limited like at sign-in', async function () {
    const few = { tries: 3, windowSeconds: 60, pauseSeconds: 60 };
    const limited = buildApp(stores(), clock, testConfig(), {
      guessingLimits: stores().guessingLimits({
        ...DEFAULT_GUESSING_LIMITS,
        passwordPerAccountAndIp: few,
        secondFactorPerAccount: few,
      }),
    });
    clock.nextTimeStep();
    const customer = new Customer(limited);
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    await customer.visit('/security/two-factor/disable');

    await customer.press('Confirm', { 'Current password': 'wrong 1' });
    assert.equal(customer.page.status, 401);
    await customer.press('Confirm', { 'Current password': 'wrong 2' });
    assert.match(customer.errors()[0] ?? '', /1 try left before a 1-minute pause/);
    await customer.press('Confirm', { 'Current password': 'wrong 3' });
    assert.equal(customer.page.status, 429);
    await customer.press('Confirm', { 'Current password': person.password });
    assert.equal(customer.page.status, 429, 'the right password waits out the pause too');
    assert.match(customer.errors()[0] ?? '', /Too many attempts\. Try again in 1 minute/);
  });

  it('ASVS V6.3.1: wrong codes on the turn-off form are limited like at sign-in', async function () {
    const few = { tries: 3, windowSeconds: 60, pauseSeconds: 60 };
    const limited = buildApp(stores(), clock, testConfig(), {
      guessingLimits: stores().guessingLimits({
        ...DEFAULT_GUESSING_LIMITS,
        secondFactorPerAccount: few,
      }),
    });
    const customer = new Customer(limited);
    clock.nextTimeStep();
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    await customer.visit('/security/two-factor/disable');
    await customer.press('Confirm', { 'Current password': person.password });

    for (const wrong of ['111111', '222222']) {
      await customer.press('Turn off', { 'Authentication code or backup code': wrong });
      assert.equal(customer.page.status, 401);
    }
    await customer.press('Turn off', { 'Authentication code or backup code': '333333' });
    assert.equal(customer.page.status, 429);
    assert.ok(customer.page.headers['retry-after']);
    await customer.press('Turn off', {
      'Authentication code or backup code': enrolment.backupCodes[0] as string,
    });
    assert.equal(customer.page.status, 429, 'a right code waits out the pause too');
    const account = await stores().accounts.findByEmail(person.email.toLowerCase());
    assert.ok(account?.totp, 'two-factor is still on');
  });

  it('ASVS V7.5.1: turning two-factor on long after signing in asks for the password first', async function () {
    const fresh = new Customer(app);
    await register(fresh, newPerson({ password: 'a long enough password' }));
    await fresh.visit('/security/two-factor/enable');
    assert.equal(fresh.page.path, '/security/two-factor/enable', 'right after sign-in: no');

    clock.advance(10 * MINUTE);
    await fresh.visit('/security');
    await fresh.clickLink('Click here to Enable');
    assert.equal(fresh.page.path, `${CONFIRM}?next=%2Fsecurity%2Ftwo-factor%2Fenable`);
    assert.match(fresh.text('main'), /to turn on Two-Factor Authentication/);

    await fresh.press('Confirm', { 'Current password': 'a long enough password' });
    assert.equal(fresh.page.path, '/security/two-factor/enable');
    await fresh.press('Get Started');
    assert.equal(fresh.page.path, '/security/two-factor/connect');
  });
});
