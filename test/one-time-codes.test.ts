import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import { buildApp, testConfig, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  newPerson,
  readConnectWindow,
  register,
  signInWithPassword,
  signOut,
  type Enrolment,
  type Person,
} from './support/flows.js';
import { totpFromBase32 } from './support/rfc6238.js';
import { enrolledCustomer } from './support/scenes.js';
import { forEachStorePair, useStores } from './support/stores.js';

const REPLAYED = 'There is a problem This code was already used. Wait for the next one.';
const NOT_ACCEPTED = 'There is a problem The code was not accepted.';

forEachStorePair('One-time codes: replay and the time window', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let person: Person;
  let enrolment: Enrolment;

  beforeEach(async function () {
    ({ app, clock, person, enrolment } = await enrolledCustomer(stores()));
  });

  async function atSecondStep(target: Express = app): Promise<Customer> {
    const customer = new Customer(target);
    await signInWithPassword(customer, person);
    assert.equal(customer.page.path, '/login/code');
    return customer;
  }

  it('ASVS V6.5.1: the code that confirmed the setup cannot be the first sign-in code', async function () {
    const customer = await atSecondStep();

    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });

    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [REPLAYED]);
    clock.nextTimeStep();
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    await customer.visit('/security');
    assert.match(customer.text('.activity'), /A code was used again/, 'recorded as an event');
  });

  it('ASVS V6.5.1: two simultaneous submissions of one code: exactly one signs in', async function () {
    clock.nextTimeStep();
    const code = codeFromApp(enrolment.secret, clock);
    const first = await atSecondStep();
    const second = await atSecondStep(buildApp(stores(), clock));

    await Promise.all([
      first.press('Verify', { 'Enter authentication code': code }),
      second.press('Verify', { 'Enter authentication code': code }),
    ]);

    const paths = [first.page.path, second.page.path].sort();
    assert.deepEqual(paths, ['/', '/login/code']);
    const loser = first.page.path === '/' ? second : first;
    assert.equal(loser.page.status, 401);
    assert.deepEqual(loser.errors(), [REPLAYED]);
  });

  it('ASVS V6.5.1: an older code from the window is refused once a newer one was used', async function () {
    clock.nextTimeStep();
    clock.nextTimeStep();
    const previous = totpFromBase32(enrolment.secret, clock.ms - 30_000);
    const current = codeFromApp(enrolment.secret, clock);
    const customer = await atSecondStep();
    await customer.press('Verify', { 'Enter authentication code': current });
    assert.equal(customer.page.path, '/');
    await signOut(customer);

    const late = await atSecondStep();
    await late.press('Verify', { 'Enter authentication code': previous });

    assert.equal(late.page.status, 401);
    if (previous !== current) assert.deepEqual(late.errors(), [REPLAYED]);
  });

  it('ASVS V6.5.1: the store, not process memory, remembers a used code across a restart', async function () {
    clock.nextTimeStep();
    const code = codeFromApp(enrolment.secret, clock);
    const customer = await atSecondStep();
    await customer.press('Verify', { 'Enter authentication code': code });
    assert.equal(customer.page.path, '/');

    const restarted = buildApp(stores(), clock);
    const again = await atSecondStep(restarted);
    await again.press('Verify', { 'Enter authentication code': code });

    assert.equal(again.page.status, 401);
    assert.deepEqual(again.errors(), [REPLAYED]);
  });

  it('ASVS V6.5.5: the current and the previous time step only, never the next', async function () {
    clock.nextTimeStep();
    clock.nextTimeStep();
    clock.nextTimeStep();
    const next = totpFromBase32(enrolment.secret, clock.ms + 30_000);
    const twoBack = totpFromBase32(enrolment.secret, clock.ms - 60_000);
    const oneBack = totpFromBase32(enrolment.secret, clock.ms - 30_000);
    const current = codeFromApp(enrolment.secret, clock);
    const customer = await atSecondStep();

    for (const outside of [next, twoBack]) {
      if (outside === current || outside === oneBack) continue;
      await customer.press('Verify', { 'Enter authentication code': outside });
      assert.equal(customer.page.status, 401);
      assert.deepEqual(customer.errors(), [NOT_ACCEPTED]);
    }

    await customer.press('Verify', { 'Enter authentication code': oneBack });
    assert.equal(customer.page.path, '/');
  });

  it('ASVS V6.5.8: only the server clock counts, whatever time the browser claims', async function () {
    clock.nextTimeStep();
    const current = codeFromApp(enrolment.secret, clock);
    let ahead = 5 * 60_000;
    while (totpFromBase32(enrolment.secret, clock.ms + ahead) === current) ahead += 30_000;
    const future = totpFromBase32(enrolment.secret, clock.ms + ahead);
    const customer = await atSecondStep();

    const res = await customer.agent
      .post('/login/code')
      .set('Date', new Date(clock.ms + ahead).toUTCString())
      .type('form')
      .send({ _csrf: customer.csrfToken(), code: future });

    assert.equal(res.status, 401);
    await customer.press('Verify', { 'Enter authentication code': current });
    assert.equal(customer.page.path, '/');
  });

  it('ASVS V6.5.5: TOTP_PAST_STEPS=0 accepts the current step only', async function () {
    const strict = buildApp(stores(), clock, testConfig({ TOTP_PAST_STEPS: '0' }));
    clock.nextTimeStep();
    clock.nextTimeStep();
    const oneBack = totpFromBase32(enrolment.secret, clock.ms - 30_000);
    const current = codeFromApp(enrolment.secret, clock);
    const customer = await atSecondStep(strict);

    if (oneBack !== current) {
      await customer.press('Verify', { 'Enter authentication code': oneBack });
      assert.equal(customer.page.status, 401);
      assert.deepEqual(customer.errors(), [NOT_ACCEPTED]);
    }
    await customer.press('Verify', { 'Enter authentication code': current });
    assert.equal(customer.page.path, '/');
  });
});

forEachStorePair('One-time codes: secrets and typed input', (pair) => {
  const stores = useStores(pair);

  it('NIST 3.1.4.1: the key as shown, typed in lower case without padding, gives accepted codes', async function () {
    const clock = new TestClock();
    const customer = new Customer(buildApp(stores(), clock));
    await register(customer, newPerson());
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const { secret, keyAsShown } = readConnectWindow(customer.page.html);

    // What a person types into an app that has no camera: the grouped key, any case.
    const typedIntoApp = keyAsShown.toLowerCase();
    assert.match(typedIntoApp, /^[a-z2-7]{4}( [a-z2-7]{1,4})+$/);
    assert.equal(secret.length, 32, '160 bits of base32, no padding needed');
    await customer.press('Submit', {
      'Enter authentication code': totpFromBase32(typedIntoApp, clock.ms),
    });

    assert.equal(customer.page.status, 200, customer.errors().join(' '));
    assert.match(customer.text('dialog'), /Two-Factor Authentication is now enabled/);
  });

  it('NIST 3.1.4.1: a code keeps its leading zero; five digits never match it', async function () {
    const clock = new TestClock();
    const app = buildApp(stores(), clock);
    const person = newPerson();
    await register(new Customer(app), person);
    const first = new Customer(app);
    await signInWithPassword(first, person);
    await first.visit('/security/two-factor/enable');
    await first.press('Get Started');
    const { secret } = readConnectWindow(first.page.html);
    while (!codeFromApp(secret, clock).startsWith('0')) clock.advance(30_000);
    const code = codeFromApp(secret, clock);

    // Waiting for such a code may outlast the session: the customer signs in again, and the
    // pending secret is still there to connect.
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.visit('/security/two-factor/connect');
    assert.equal(readConnectWindow(customer.page.html).secret, secret);

    await customer.press('Submit', { 'Enter authentication code': code.slice(1) });
    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter the 6-digit code from your authenticator app.',
    ]);

    await customer.press('Submit', { 'Enter authentication code': code });
    assert.equal(customer.page.status, 200, customer.errors().join(' '));
  });
});
