import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import { buildApp, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  enableTwoFactor,
  newPerson,
  readConnectWindow,
  register,
  type Person,
} from './support/flows.js';
import { findForm } from './support/html.js';
import { forEachStorePair, useStores } from './support/stores.js';

forEachStorePair('Security Settings: setting up two-factor', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let customer: Customer;
  let person: Person;

  async function twoFactorOf(): Promise<unknown> {
    return (await stores().accounts.findByEmail(person.email.toLowerCase()))?.totp;
  }

  beforeEach(async function () {
    clock = new TestClock();
    app = buildApp(stores(), clock);
    customer = new Customer(app);
    person = newPerson();
    await register(customer, person);
  });

  it('is only reachable signed in', async function () {
    const visitor = new Customer(app);

    await visitor.visit('/security/two-factor/connect');

    assert.equal(visitor.page.path, '/login?next=%2Fsecurity%2Ftwo-factor%2Fconnect');
  });

  it('"Connect your app" without Get Started first leads back to the enable window', async function () {
    await customer.visit('/security/two-factor/connect');

    assert.equal(customer.page.path, '/security/two-factor/enable');
  });

  it('Get Started without "Time Based Tokens" asks for it with a 422', async function () {
    await customer.visit('/security/two-factor/enable');
    const token = encodeURIComponent(customer.csrfToken());

    await customer.postRaw('/security/two-factor/enable', `_csrf=${token}&method=sms`);

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Choose "Time Based Tokens" to continue.',
    ]);
  });

  it('an empty or lettered code keeps the window open and asks for 6 digits', async function () {
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');

    await customer.press('Submit', { 'Enter authentication code': '' });
    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), ['There is a problem Enter your authentication code.']);

    await customer.press('Submit', { 'Enter authentication code': '12345a' });
    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter the 6-digit code from your authenticator app.',
    ]);
    assert.equal(await twoFactorOf(), null);
  });

  it('pressing Get Started again replaces the secret; the old window says so', async function () {
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const first = readConnectWindow(customer.page.html);
    const firstTab = customer.page;

    // A second tab of the same browser presses Get Started again.
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const second = readConnectWindow(customer.page.html);
    assert.notEqual(first.secret, second.secret);

    customer.page = firstTab;
    await customer.press('Submit', {
      'Enter authentication code': codeFromApp(first.secret, clock),
    });

    assert.equal(customer.page.status, 409);
    assert.match(customer.errors()[0] ?? '', /That setup was replaced or has ended/);
    assert.equal(await twoFactorOf(), null);
  });

  it('the same code submitted twice at once turns two-factor on once, and says so', async function () {
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');
    const { secret } = readConnectWindow(customer.page.html);
    const form = findForm(customer.page.html, 'Submit');
    const fields = { ...form.fields, code: codeFromApp(secret, clock) };

    const [first, second] = await Promise.all([
      customer.agent.post(form.action).type('form').send(fields),
      customer.agent.post(form.action).type('form').send(fields),
    ]);

    const answers = [first, second].map((res) => res.status).sort();
    assert.deepEqual(answers, [200, 303]);
    const redirected = first.status === 303 ? first : second;
    assert.equal(redirected.headers.location, '/security?done=already-enabled');
    await customer.visit(redirected.headers.location as string);
    assert.match(customer.text('main'), /Two-Factor Authentication was already enabled\./);
    assert.match(customer.text('main'), /Two-Factor Authentication is enabled for your account\./);
  });

  it('once on, the enable and connect windows lead back to Security Settings', async function () {
    await enableTwoFactor(customer, clock);

    for (const path of ['/security/two-factor/enable', '/security/two-factor/connect']) {
      await customer.visit(path);
      assert.equal(customer.page.path, '/security');
    }
  });

  it('pages showing a secret or backup codes are never cached', async function () {
    await customer.visit('/security/two-factor/enable');
    await customer.press('Get Started');

    assert.equal(customer.page.headers['cache-control'], 'no-store');
    assert.match(String(customer.page.headers['content-security-policy']), /script-src 'none'/);
  });
});
