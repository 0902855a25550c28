import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import { buildApp, testConfig, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  enableTwoFactor,
  newPerson,
  register,
  signInWithPassword,
  signOut,
  type Person,
} from './support/flows.js';
import { forEachStorePair, useStores } from './support/stores.js';

const MINUTE = 60 * 1000;

forEachStorePair('Sessions: lifetime and signing out other sessions', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let person: Person;

  beforeEach(async function () {
    clock = new TestClock();
    app = buildApp(stores(), clock);
    person = newPerson();
    await register(new Customer(app), person);
  });

  async function signedIn(target: Express = app): Promise<Customer> {
    const customer = new Customer(target);
    await signInWithPassword(customer, person);
    assert.equal(customer.page.path, '/');
    return customer;
  }

  it('ASVS V7.3.1: 30 minutes without a request end the session, in the store too', async function () {
    const customer = await signedIn();
    clock.advance(29 * MINUTE);
    await customer.visit('/security');
    assert.equal(customer.page.path, '/security', 'a request restarts the idle time');
    const cookie = customer.sessionCookie as string;

    clock.advance(30 * MINUTE);
    await customer.visit('/security');

    assert.equal(customer.page.path, '/login?ended=idle&next=%2Fsecurity');
    assert.match(customer.text('main'), /You were signed out because the client area was left/);
    assert.equal(await stores().holdsSession(cookie), false);
  });

  it('ASVS V7.3.2: 12 hours after sign-in the session ends, however busy', async function () {
    const customer = await signedIn();
    for (let minutes = 0; minutes < 12 * 60 - 25; minutes += 25) {
      clock.advance(25 * MINUTE);
      await customer.visit('/');
      assert.equal(customer.page.path, '/');
    }

    clock.advance(25 * MINUTE);
    await customer.visit('/');

    assert.equal(customer.page.path, '/login?ended=expired&next=%2F');
    assert.match(customer.text('main'), /Your session reached its time limit/);
  });

  it('ASVS V7.3.1, V7.3.2: both limits come from the configuration', async function () {
    const short = buildApp(
      stores(),
      clock,
      testConfig({ SESSION_IDLE_MINUTES: '5', SESSION_MAX_HOURS: '1' }),
    );
    const idle = await signedIn(short);
    clock.advance(5 * MINUTE);
    await idle.visit('/');
    assert.equal(idle.page.path, '/login?ended=idle&next=%2F');

    const busy = await signedIn(short);
    for (let minutes = 0; minutes < 56; minutes += 4) {
      clock.advance(4 * MINUTE);
      await busy.visit('/');
    }
    clock.advance(4 * MINUTE);
    await busy.visit('/');
    assert.equal(busy.page.path, '/login?ended=expired&next=%2F');
  });

  it('ASVS V7.4.3: "Sign out other sessions" ends the others and keeps this one', async function () {
    const here = await signedIn();
    const elsewhere = await signedIn(buildApp(stores(), clock));
    const cookie = elsewhere.sessionCookie as string;
    clock.advance(1000);

    await here.visit('/security');
    await here.press('Sign out other sessions');

    assert.equal(here.page.path, '/security?done=sessions-ended');
    assert.match(here.text('main'), /Your other sessions are signed out/);
    await elsewhere.visit('/security');
    assert.equal(elsewhere.page.path, '/login?ended=signed-out-elsewhere&next=%2Fsecurity');
    assert.equal(await stores().holdsSession(cookie), false);
    await here.visit('/security');
    assert.equal(here.page.path, '/security');

    const later = await signedIn();
    assert.equal(later.page.path, '/', 'signing in again afterwards works');
  });

  it('ASVS V7.4.3: the button is offered right after two-factor is turned on, and off', async function () {
    const here = await signedIn();
    const elsewhere = await signedIn();
    const enrolment = await enableTwoFactor(here, clock);

    assert.equal(here.page.path, '/security?done=enabled');
    assert.match(here.text('main'), /that session stays signed in until you sign it out/);
    await here.press('Sign out other sessions');
    await elsewhere.visit('/');
    assert.match(elsewhere.page.path, /^\/login\?ended=signed-out-elsewhere/);

    clock.nextTimeStep();
    const again = new Customer(app);
    await signInWithPassword(again, person);
    await again.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    await here.visit('/security/two-factor/disable');
    await here.press('Confirm', { 'Current password': person.password });
    await here.press('Turn off', {
      'Authentication code or backup code': enrolment.backupCodes[0] as string,
    });

    assert.equal(here.page.path, '/security?done=disabled');
    await here.press('Sign out other sessions');
    await again.visit('/');
    assert.match(again.page.path, /^\/login\?ended=signed-out-elsewhere/);
  });

  it('ASVS V7.2.4: signing out and back in gives a new session id', async function () {
    const customer = await signedIn();
    const before = customer.sessionCookie;

    await signOut(customer);
    await signInWithPassword(customer, person);

    assert.notEqual(customer.sessionCookie, before);
    assert.equal(await stores().holdsSession(before as string), false);
  });
});
