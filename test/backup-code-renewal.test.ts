import { strict as assert } from 'node:assert';
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import { TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  newPerson,
  readBackupCodes,
  readConnectWindow,
  register,
  signInWithPassword,
  signOut,
  type Enrolment,
  type Person,
} from './support/flows.js';
import { enrolledCustomer } from './support/scenes.js';
import { forEachStorePair, useStores } from './support/stores.js';

const NOT_ACCEPTED = 'There is a problem The code was not accepted.';

/** The codes inside the page's text-file download, a data: address. */
function downloadedCodes(html: string): string[] {
  const link = cheerio.load(html)('a[download]');
  assert.equal(link.attr('download'), 'backup-codes.txt');
  assert.equal(link.text().trim(), 'Download as a text file');

  const href = link.attr('href') ?? '';
  const prefix = 'data:text/plain;charset=utf-8,';
  assert.ok(href.startsWith(prefix), 'a plain-text file');
  return (
    decodeURIComponent(href.slice(prefix.length)).match(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/gm) ?? []
  );
}

function remainingOn(customer: Customer): number {
  const match = /You have (\d+) unused backup codes? left/.exec(customer.text('main'));
  assert.ok(match, 'Security Settings says how many backup codes remain');
  return Number(match[1]);
}

forEachStorePair('Backup codes: replacement, renewal and download', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let person: Person;
  let enrolment: Enrolment;

  beforeEach(async function () {
    ({ app, clock, person, enrolment } = await enrolledCustomer(stores()));
    clock.nextTimeStep();
  });

  async function signInWithBackupCode(customer: Customer, code: string): Promise<void> {
    await signInWithPassword(customer, person);
    await customer.clickLink('Use a backup code');
    await customer.press('Verify', { 'Backup code': code });
  }

  it('NIST 3.1.2.2: a used code is void and a replacement is shown once on the next page', async function () {
    const customer = new Customer(app);
    const used = enrolment.backupCodes[0] as string;
    await signInWithBackupCode(customer, used);

    assert.equal(customer.page.status, 200);
    assert.equal(customer.page.headers['cache-control'], 'no-store');
    const replacement = customer.text('.code-single');
    assert.match(replacement, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    assert.ok(!enrolment.backupCodes.includes(replacement));
    assert.match(customer.text('main'), /You have 10 unused backup codes/);
    await customer.clickLink('Continue');
    assert.equal(customer.page.path, '/');
    await customer.visit('/security');
    assert.equal(remainingOn(customer), 10);
    await signOut(customer);

    await signInWithBackupCode(customer, used);
    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [NOT_ACCEPTED]);

    await customer.press('Verify', { 'Backup code': replacement.toLowerCase() });
    assert.match(customer.text('h1'), /signed in with a backup code/);
    assert.notEqual(customer.text('.code-single'), replacement, 'each replacement is new');
  });

  it('ASVS V6.5.4: "Make new backup codes" voids the old set and shows the new one once', async function () {
    const customer = new Customer(app);
    await signInWithPassword(customer, person);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    await customer.visit('/security');
    await customer.clickLink('Make new backup codes');
    await customer.press('Confirm', { 'Current password': person.password });
    assert.equal(customer.page.path, '/security/backup-codes/new');

    await customer.press('Make new codes');

    assert.equal(customer.page.status, 200);
    assert.equal(customer.page.headers['cache-control'], 'no-store');
    const renewed = readBackupCodes(customer.page.html);
    assert.equal(renewed.length, 10);
    assert.equal(new Set([...renewed, ...enrolment.backupCodes]).size, 20, 'all new codes');
    assert.deepEqual(downloadedCodes(customer.page.html), renewed);
    await customer.clickLink('Close');
    assert.equal(readBackupCodes(customer.page.html).length, 0, 'not shown again');
    assert.equal(remainingOn(customer), 10);
    await signOut(customer);

    await signInWithBackupCode(customer, enrolment.backupCodes[1] as string);
    assert.equal(customer.page.status, 401, 'the old set is void');
    await customer.press('Verify', { 'Backup code': renewed[1] as string });
    assert.match(customer.text('h1'), /signed in with a backup code/);
  });

  it('ASVS V6.5.2: the codes of a new set come as a text file too, with no-store', async function () {
    const customer = new Customer(app);
    await register(customer, newPerson());
    const fresh = await enableTwoFactorKeepingPage(customer, clock);

    assert.equal(fresh.headers['cache-control'], 'no-store');
    assert.deepEqual(downloadedCodes(fresh.html), readBackupCodes(fresh.html));
  });
});

/** Like enableTwoFactor, but stays on the window that shows the codes. */
async function enableTwoFactorKeepingPage(
  customer: Customer,
  clock: TestClock,
): Promise<Customer['page']> {
  await customer.visit('/security/two-factor/enable');
  await customer.press('Get Started');
  const { secret } = readConnectWindow(customer.page.html);

  return customer.press('Submit', { 'Enter authentication code': codeFromApp(secret, clock) });
}
