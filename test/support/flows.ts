import { strict as assert } from 'node:assert';
import * as cheerio from 'cheerio';
import type { Customer } from './customer.js';
import type { TestClock } from './app.js';
import { decodeQrDataUri } from './qr.js';
import { totpFromBase32 } from './rfc6238.js';

export interface Person {
  firstName: string;
  lastName: string;
  email: string;
  password: string;
}

let counter = 0;

export function newPerson(overrides: Partial<Person> = {}): Person {
  counter += 1;
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `ada.${counter}.${Date.now()}@example.com`,
    password: 'correct horse battery staple',
    ...overrides,
  };
}

/** The code the customer's phone shows at the server's current time, computed independently. */
export function codeFromApp(secret: string, clock: TestClock): string {
  return totpFromBase32(secret, clock.ms);
}

export async function register(customer: Customer, person: Person): Promise<void> {
  await customer.visit('/register');
  await customer.press('Create account', {
    'First name': person.firstName,
    'Last name': person.lastName,
    'Email address': person.email,
    Password: person.password,
    'Confirm password': person.password,
  });
  assert.equal(customer.page.status, 200, customer.errors().join(' '));
}

export async function signInWithPassword(customer: Customer, person: Person): Promise<void> {
  await customer.visit('/login');
  await customer.press('Sign in', { 'Email address': person.email, Password: person.password });
}

export async function signOut(customer: Customer): Promise<void> {
  await customer.visit('/');
  await customer.press('Sign out');
}

export interface Enrolment {
  uri: URL;
  secret: string;
  keyAsShown: string;
  backupCodes: string[];
}

/** Reads what the "Connect your app" window offers: the QR code, decoded, and the typed key. */
export function readConnectWindow(html: string): { uri: URL; secret: string; keyAsShown: string } {
  const $ = cheerio.load(html);
  const qr = $('dialog img[src^="data:image/png;base64,"]').attr('src');
  assert.ok(qr, 'the Connect your app window shows a QR image');

  const uri = new URL(decodeQrDataUri(qr));
  const secret = uri.searchParams.get('secret');
  assert.ok(secret, 'the QR code carries the secret');

  return { uri, secret, keyAsShown: $('.setup-key').text().trim() };
}

export function readBackupCodes(html: string): string[] {
  const $ = cheerio.load(html);
  const section = $('section').filter((_i, el) => $(el).find('h3').text().trim() === 'Backup code');
  return section
    .find('li')
    .map((_i, el) => $(el).text().trim())
    .get();
}

/** Steps 2 to 10 of the help article, from any client-area page. */
export async function enableTwoFactor(customer: Customer, clock: TestClock): Promise<Enrolment> {
  await customer.visit('/');
  await customer.clickLink('Security Settings');
  await customer.clickLink('Click here to Enable');
  await customer.press('Get Started');
  const { uri, secret, keyAsShown } = readConnectWindow(customer.page.html);

  await customer.press('Submit', { 'Enter authentication code': codeFromApp(secret, clock) });
  assert.equal(customer.page.status, 200, customer.errors().join(' '));
  const backupCodes = readBackupCodes(customer.page.html);

  await customer.clickLink('Close');
  return { uri, secret, keyAsShown, backupCodes };
}
