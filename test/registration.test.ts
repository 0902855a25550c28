import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import { buildApp, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import { newPerson, register } from './support/flows.js';
import { forEachStorePair, useStores } from './support/stores.js';

forEachStorePair('Registering an account', (pair) => {
  const stores = useStores(pair);
  let app: Express;

  before(async function () {
    app = buildApp(stores(), new TestClock());
  });

  async function fillIn(fields: Record<string, string>): Promise<Customer> {
    const customer = new Customer(app);
    await customer.visit('/register');
    await customer.press('Create account', {
      'First name': 'Grace',
      'Last name': 'Hopper',
      'Email address': `grace.${Math.random()}@example.com`,
      Password: 'a long enough password',
      'Confirm password': 'a long enough password',
      ...fields,
    });
    return customer;
  }

  it('signs the new customer in and greets them by first name', async function () {
    const customer = new Customer(app);

    await register(customer, newPerson({ firstName: 'Grace' }));

    assert.equal(customer.page.path, '/');
    assert.match(customer.text('header'), /Hello, Grace!/);
  });

  it('lists every empty field at the top of the form with a 422', async function () {
    const customer = await fillIn({
      'First name': ' ',
      'Last name': '',
      'Email address': '',
      Password: '',
      'Confirm password': '',
    });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter your first name. Enter your last name. Enter your email address. ' +
        'Enter your password. Enter your password again.',
    ]);
  });

  it('keeps what was typed, except the passwords', async function () {
    const customer = await fillIn({
      'Email address': 'grace.at.example.com',
      Password: 'secret-pass-1',
    });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Enter an email address in the form name@example.com. The two passwords do not match.',
    ]);
    assert.ok(customer.page.html.includes('value="grace.at.example.com"'));
    assert.ok(customer.page.html.includes('value="Grace"'));
    assert.ok(!customer.page.html.includes('secret-pass-1'));
    assert.ok(!customer.page.html.includes('a long enough password'));
  });

  it('asks for a password of 8 to 128 characters', async function () {
    const short = await fillIn({ Password: 'seven77', 'Confirm password': 'seven77' });
    const long = await fillIn({ Password: 'x'.repeat(129), 'Confirm password': 'x'.repeat(129) });
    const longest = await fillIn({
      Password: 'x'.repeat(128),
      'Confirm password': 'x'.repeat(128),
    });

    assert.deepEqual(short.errors(), [
      'There is a problem Your password must be at least 8 characters.',
    ]);
    assert.deepEqual(long.errors(), [
      'There is a problem Your password must be at most 128 characters.',
    ]);
    assert.equal(longest.page.path, '/');
  });

  it('explains an over-long password on the form, keeping the names', async function () {
    const customer = await fillIn({
      Password: 'p'.repeat(10_000),
      'Confirm password': 'p'.repeat(10_000),
    });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Your password must be at most 128 characters.',
    ]);
    assert.ok(customer.page.html.includes('value="Grace"'));
  });

  it('refuses invisible control and direction characters in names', async function () {
    const customer = await fillIn({ 'First name': 'Gr\u202eace', 'Last name': 'Hop\u0000per' });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Your first name contains invisible control characters. ' +
        'Type it again without them. Your last name contains invisible control characters. ' +
        'Type it again without them.',
    ]);
    assert.ok(customer.page.html.includes('value="Grace"'), 'shown without the hidden character');
  });

  it('refuses zero-width and other invisible characters in names and emails', async function () {
    const customer = await fillIn({
      'First name': '\u200b',
      'Email address': 'name\u200b@example.com',
    });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Your first name contains invisible control characters. ' +
        'Type it again without them. Your email address contains invisible control characters. ' +
        'Type it again without them.',
    ]);
  });

  it('keeps the joiners that Persian names and emoji need', async function () {
    const customer = await fillIn({ 'First name': 'می\u200cخواهم', 'Last name': 'Doe' });

    assert.equal(customer.page.path, '/');
  });

  it('refuses names that are too long', async function () {
    const customer = await fillIn({ 'First name': 'G'.repeat(101) });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Your first name must be at most 100 characters.',
    ]);
  });

  it('refuses an email that is already registered, in any case', async function () {
    const person = newPerson();
    await register(new Customer(app), person);

    const customer = await fillIn({ 'Email address': person.email.toUpperCase() });

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem An account with this email address already exists. Sign in instead.',
    ]);
  });

  it('refuses a field sent as a list', async function () {
    const customer = new Customer(app);
    await customer.visit('/register');
    const token = encodeURIComponent(customer.csrfToken());

    await customer.postRaw(
      '/register',
      `_csrf=${token}&firstName=A&firstName=B&lastName=C&email=d%40e.com` +
        '&password=12345678&passwordConfirmation=12345678',
    );

    assert.equal(customer.page.status, 422);
    assert.deepEqual(customer.errors(), [
      'There is a problem Your first name could not be read. Type it once and try again.',
    ]);
  });
});
