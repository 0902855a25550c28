import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import { buildApp, TestClock } from './support/app.js';
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
import { totpFromBase32 } from './support/rfc6238.js';
import { enrolledCustomer } from './support/scenes.js';
import { forEachStorePair, useStores } from './support/stores.js';

const SIGN_IN_FAILED = 'There is a problem The email address or password is incorrect.';
const NOT_ACCEPTED = 'There is a problem The code was not accepted.';

forEachStorePair('Signing in with two-factor authentication on', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let person: Person;
  let enrolment: Enrolment;

  beforeEach(async function () {
    ({ app, clock, person, enrolment } = await enrolledCustomer(stores()));
    clock.nextTimeStep();
  });

  it('ASVS V7.2.4: after the password the session id changes and no one is signed in yet', async function () {
    const customer = new Customer(app);
    await customer.visit('/login');
    const anonymousSession = customer.sessionCookie;

    await signInWithPassword(customer, person);

    assert.equal(customer.page.path, '/login/code');
    assert.notEqual(customer.sessionCookie, anonymousSession);
    for (const page of ['/', '/security', '/security/two-factor/disable']) {
      await customer.visit(page);
      assert.equal(customer.page.path, '/login/code', `${page} leads to the second step`);
    }
  });

  it('the pending session holds who and since when, and nothing secret', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);

    const session = await stores().readSession(customer.sessionCookie as string);

    const account = await stores().accounts.findByEmail(person.email.toLowerCase());
    assert.deepEqual(session?.pendingSecondFactor, {
      accountId: account?.id,
      passwordVerifiedAt: clock.ms,
      returnTo: '/',
    });
    assert.equal(session?.passport, undefined, 'no one is signed in');
    const kept = JSON.stringify(session);
    for (const secret of [person.password, person.email, enrolment.secret]) {
      assert.ok(!kept.includes(secret), 'the session keeps no password, email or secret');
    }
  });

  it('ASVS V7.2.4: the code signs in with a new session id; the pending one stops working', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    const pendingSession = customer.sessionCookie;

    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });

    assert.equal(customer.page.path, '/');
    assert.notEqual(customer.sessionCookie, pendingSession);
    const replay = new Customer(app);
    await replay.agent.get('/').set('Cookie', `sid=${pendingSession}`);
    const res = await replay.agent.get('/login/code').set('Cookie', `sid=${pendingSession}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login', 'the old session holds nothing any more');
  });

  it('a code from the previous time step is accepted, one from two steps back is not', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    const twoStepsBack = totpFromBase32(enrolment.secret, clock.ms - 60_000);
    const oneStepBack = totpFromBase32(enrolment.secret, clock.ms - 30_000);

    if (twoStepsBack !== codeFromApp(enrolment.secret, clock) && twoStepsBack !== oneStepBack) {
      await customer.press('Verify', { 'Enter authentication code': twoStepsBack });
      assert.equal(customer.page.status, 401);
    }
    clock.nextTimeStep();
    await customer.press('Verify', {
      'Enter authentication code': totpFromBase32(enrolment.secret, clock.ms - 30_000),
    });

    assert.equal(customer.page.path, '/');
  });

  it('a wrong code says only that it was not accepted', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    const right = codeFromApp(enrolment.secret, clock);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');

    await customer.press('Verify', { 'Enter authentication code': wrong });

    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [NOT_ACCEPTED]);
    assert.equal(customer.page.path, '/login/code');
  });

  it('a code that is not 6 digits asks for the 6 digits; leading zeros count', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    while (!codeFromApp(enrolment.secret, clock).startsWith('0')) clock.nextTimeStep();
    await signInWithPassword(customer, person);
    const code = codeFromApp(enrolment.secret, clock);

    await customer.press('Verify', { 'Enter authentication code': code.slice(1) });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter the 6-digit code from your authenticator app.',
    ]);

    await customer.press('Verify', { 'Enter authentication code': code });
    assert.equal(customer.page.path, '/');
  });

  it('ASVS V6.5.1: a code that was accepted once is refused the second time, and says so', async function () {
    const customer = new Customer(app);
    const code = codeFromApp(enrolment.secret, clock);
    await signInWithPassword(customer, person);
    await customer.press('Verify', { 'Enter authentication code': code });
    assert.equal(customer.page.path, '/');
    await signOut(customer);

    await signInWithPassword(customer, person);
    await customer.press('Verify', { 'Enter authentication code': code });

    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [
      'There is a problem This code was already used. Wait for the next one.',
    ]);
  });

  it('the pending second factor ends after 5 minutes', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    clock.advance(5 * 60 * 1000);

    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });

    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [
      'There is a problem Your sign-in took too long. Sign in again with your password.',
    ]);
    assert.ok(customer.page.html.includes(`value="${person.email}"`), 'the email is kept');
    await customer.visit('/');
    assert.equal(customer.page.path, '/login');
  });

  it('the customer lands where they were going, and only on this site', async function () {
    const customer = new Customer(app);
    await customer.visit('/security');
    assert.equal(customer.page.path, '/login?next=%2Fsecurity');

    await customer.press('Sign in', { 'Email address': person.email, Password: person.password });
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    assert.equal(customer.page.path, '/security');

    await signOut(customer);
    clock.nextTimeStep();
    await customer.visit('/login?next=//evil.example/steal');
    await customer.press('Sign in', { 'Email address': person.email, Password: person.password });
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    assert.equal(customer.page.path, '/');
  });

  it('a backup code is read in any case, with or without its dashes', async function () {
    const customer = new Customer(app);
    const [first, second] = enrolment.backupCodes as [string, string];
    await signInWithPassword(customer, person);
    await customer.clickLink('Use a backup code');

    await customer.press('Verify', { 'Backup code': first.toLowerCase().replace(/-/g, ' ') });
    await customer.clickLink('Continue');
    assert.equal(customer.page.path, '/');
    await signOut(customer);

    await signInWithPassword(customer, person);
    await customer.clickLink('Use a backup code');
    await customer.press('Verify', { 'Backup code': second.replace(/-/g, '') });
    await customer.clickLink('Continue');
    assert.equal(customer.page.path, '/');
  });

  it('a malformed backup code is explained; a wrong one is not accepted', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.clickLink('Use a backup code');

    await customer.press('Verify', { 'Backup code': 'ABC' });
    assert.equal(customer.page.status, 422);
    assert.match(customer.errors()[0] ?? '', /Enter one of your backup codes/);

    await customer.press('Verify', { 'Backup code': 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' });
    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [NOT_ACCEPTED]);
  });

  it('ASVS V7.4.1: signing out removes the session from the store', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    const signedIn = customer.sessionCookie as string;
    assert.equal(await stores().holdsSession(signedIn), true);

    await signOut(customer);

    assert.equal(await stores().holdsSession(signedIn), false);
    const res = await new Customer(app).agent.get('/').set('Cookie', `sid=${signedIn}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
  });

  it('turning two-factor off needs the password again and a current code', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    await customer.visit('/security');
    await customer.clickLink('Turn off Two-Factor Authentication');
    clock.nextTimeStep();

    assert.equal(
      customer.page.path,
      '/security/confirm-password?next=%2Fsecurity%2Ftwo-factor%2Fdisable',
    );
    await customer.press('Confirm', { 'Current password': 'not the password' });
    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), ['There is a problem The password is incorrect.']);
    await customer.press('Confirm', { 'Current password': person.password });
    assert.equal(customer.page.path, '/security/two-factor/disable');

    await customer.press('Turn off', { 'Authentication code or backup code': 'abc' });
    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter the 6-digit code from your app, or one of your backup codes.',
    ]);

    await customer.press('Turn off', { 'Authentication code or backup code': '000000' });
    assert.equal(customer.page.status, 401);

    await customer.press('Turn off', {
      'Authentication code or backup code': enrolment.backupCodes[3] as string,
    });
    assert.equal(customer.page.path, '/security?done=disabled');
    assert.match(customer.text('main'), /Two-Factor Authentication is not enabled/);

    await signOut(customer);
    await signInWithPassword(customer, person);
    assert.equal(customer.page.path, '/', 'the password alone signs in again');
  });
});

forEachStorePair('Signing in: what a customer may get wrong', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  const person = newPerson({ email: `Mixed.Case.${Date.now()}@Example.COM` });

  before(async function () {
    app = buildApp(stores(), new TestClock());
    await register(new Customer(app), person);
  });

  it('ASVS V6.3.8: an unknown email and a wrong password get the same message', async function () {
    const customer = new Customer(app);

    await signInWithPassword(customer, { ...person, email: 'nobody@example.com' });
    const unknown = { status: customer.page.status, errors: customer.errors() };
    await signInWithPassword(customer, { ...person, password: 'wrong password!' });

    assert.deepEqual(unknown, { status: 401, errors: [SIGN_IN_FAILED] });
    assert.deepEqual(customer.errors(), [SIGN_IN_FAILED]);
    assert.ok(customer.page.html.includes(`value="${person.email}"`), 'the email is kept');
    assert.ok(!customer.page.html.includes('wrong password!'), 'the password is not');
  });

  it('the email is compared without regard to case', async function () {
    const customer = new Customer(app);

    await signInWithPassword(customer, { ...person, email: person.email.toLowerCase() });

    assert.equal(customer.page.path, '/');
  });

  it('without two-factor the password signs in, with a new session id', async function () {
    const customer = new Customer(app);
    await customer.visit('/login');
    const anonymous = customer.sessionCookie;

    await signInWithPassword(customer, person);

    assert.equal(customer.page.path, '/');
    assert.notEqual(customer.sessionCookie, anonymous);
  });

  it('without two-factor the customer also lands where they were going', async function () {
    const customer = new Customer(app);
    await customer.visit('/security');

    await customer.press('Sign in', { 'Email address': person.email, Password: person.password });

    assert.equal(customer.page.path, '/security');
  });

  it('spaces around the email do not matter', async function () {
    const customer = new Customer(app);

    await signInWithPassword(customer, { ...person, email: `  ${person.email} ` });

    assert.equal(customer.page.path, '/');
  });

  it('a method no page uses gets a 405 naming the ones it does', async function () {
    for (const method of ['put', 'delete', 'patch'] as const) {
      const res = await new Customer(app).agent[method]('/login');

      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, 'GET, HEAD, POST');
    }
  });

  it('a form whose token went stale comes back filled in, except the password', async function () {
    const customer = new Customer(app);
    await customer.visit('/login?next=%2Fsecurity');
    const form = customer.page.html;
    const stale = new Customer(app);
    stale.page = { ...customer.page, html: form };

    await stale.press('Sign in', { 'Email address': person.email, Password: person.password });

    assert.equal(stale.page.status, 403);
    assert.deepEqual(stale.errors(), [
      'There is a problem This form had expired, so nothing was sent. Check it and send it again.',
    ]);
    assert.ok(stale.page.html.includes(`value="${person.email}"`));
    assert.ok(stale.page.html.includes('name="next" value="/security"'));
    assert.ok(!stale.page.html.includes(person.password));

    await stale.press('Sign in', { Password: person.password });
    assert.equal(stale.page.path, '/security');
  });

  it('empty fields are named on the same page with a 422', async function () {
    const customer = new Customer(app);
    await customer.visit('/login');

    await customer.press('Sign in', { 'Email address': '', Password: '' });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter your email address. Enter your password.',
    ]);
  });

  it('a field sent twice is refused with a 422, not a 500', async function () {
    const customer = new Customer(app);
    await customer.visit('/login');
    const token = encodeURIComponent(customer.csrfToken());

    await customer.postRaw(
      '/login',
      `_csrf=${token}&email=a%40example.com&email=b%40example.com&password=x`,
    );

    assert.equal(customer.page.status, 422);
    assert.match(customer.errors()[0] ?? '', /Your email address could not be read/);
  });

  it('ASVS V3.5.1: a form without its CSRF token is refused', async function () {
    const customer = new Customer(app);
    await customer.visit('/login');

    await customer.postRaw(
      '/login',
      `email=${encodeURIComponent(person.email)}&password=${encodeURIComponent(person.password)}`,
    );

    assert.equal(customer.page.status, 403);
    assert.match(customer.text('main'), /This form had expired, so nothing was sent/);
  });

  it('an oversized form gets a 4xx page, never a 500', async function () {
    const customer = new Customer(app);
    await customer.visit('/login');

    await customer.postRaw('/login', `_csrf=x&email=${'a'.repeat(200_000)}`);

    assert.equal(customer.page.status, 413);
    assert.doesNotMatch(customer.page.html, /at .*\.js:\d+/, 'no stack trace');
  });
});
