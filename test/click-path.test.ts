import { strict as assert } from 'node:assert';
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import { buildApp, openStoredSecret, TestClock } from './support/app.js';
import { Customer } from './support/customer.js';
import {
  codeFromApp,
  newPerson,
  readBackupCodes,
  readConnectWindow,
  register,
  signInWithPassword,
  signOut,
  type Person,
} from './support/flows.js';
import { fieldLabelled } from './support/html.js';
import { forEachStorePair, useStores } from './support/stores.js';

/**
 * The help article's ten steps, in order, as a customer clicks through them; then signing
 * out and back in with password and code, and with a backup code.
 */
forEachStorePair('The documented click-path', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  const clock = new TestClock();
  const ada: Person = newPerson({ firstName: 'Ada', email: `Ada.Click.${Date.now()}@Example.com` });
  const customer = (): Customer => new Customer(app);
  let browser: Customer;
  let secret: string;
  let backupCodes: string[];

  before(async function () {
    app = buildApp(stores(), clock);
    browser = customer();
    await register(browser, ada);
    await signOut(browser);
  });

  it('step 1: the customer signs in with email address and password', async function () {
    await signInWithPassword(browser, ada);

    assert.equal(browser.page.status, 200);
    assert.equal(browser.page.path, '/');
  });

  it('step 2: a greeting at the upper right opens a menu without JavaScript', async function () {
    const $ = cheerio.load(browser.page.html);
    const menu = $('header details');

    assert.equal(menu.find('summary').text().replace(/\s+/g, ' ').trim(), 'Hello, Ada! ▾');
    assert.equal($('script').length, 0, 'the page carries no script');
    assert.ok(menu.find('a').filter((_i, a) => $(a).text() === 'Security Settings').length);
  });

  it('step 3: "Security Settings" in the menu shows the Security Settings page', async function () {
    await browser.clickLink('Security Settings');

    assert.equal(browser.page.status, 200);
    assert.equal(browser.text('h1'), 'Security Settings');
  });

  it('step 4: the "Two-Factor Authentication" section has "Click here to Enable"', async function () {
    assert.match(browser.text('main'), /Two-Factor Authentication is not enabled/);

    await browser.clickLink('Click here to Enable');

    assert.equal(browser.page.status, 200);
    assert.equal(browser.page.path, '/security/two-factor/enable');
  });

  it('step 5: "Enable Two-Factor Authentication" has "Time Based Tokens" selected', async function () {
    const $ = cheerio.load(browser.page.html);
    assert.equal($('dialog[open] h2').text(), 'Enable Two-Factor Authentication');
    const option = $('input[type=radio][name=method]');
    assert.equal(option.length, 1);
    assert.equal(option.attr('checked'), 'checked');
    assert.match(option.closest('label').text(), /Time Based Tokens/);

    await browser.press('Get Started');

    assert.equal(browser.page.status, 200);
    assert.equal(browser.page.path, '/security/two-factor/connect');
    const account = await stores().accounts.findByEmail(ada.email.toLowerCase());
    assert.equal(account?.totp, null, 'Get Started does not turn two-factor on');
    assert.ok(account?.pendingTotp?.secret, 'Get Started keeps a new secret as pending');
  });

  it('step 6: "Connect your app" shows a QR code with the otpauth URI and the key as text', async function () {
    const $ = cheerio.load(browser.page.html);
    assert.equal($('dialog[open] h2').text(), 'Connect your app');
    const connect = readConnectWindow(browser.page.html);
    secret = connect.secret;

    assert.equal(connect.uri.protocol, 'otpauth:');
    assert.equal(connect.uri.host, 'totp');
    assert.equal(decodeURIComponent(connect.uri.pathname), `/Client Area:${ada.email}`);
    assert.equal(connect.uri.searchParams.get('issuer'), 'Client Area');
    assert.equal(connect.uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(connect.uri.searchParams.get('digits'), '6');
    assert.equal(connect.uri.searchParams.get('period'), '30');
    assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits of base32');
    assert.equal(connect.keyAsShown, secret.match(/.{4}/g)?.join(' '));
    assert.ok($('dialog img').attr('alt'), 'the QR code has a text alternative');
    const stored = await stores().accounts.findByEmail(ada.email.toLowerCase());
    assert.equal(
      openStoredSecret(stored?.pendingTotp, stored?.id),
      secret,
      'the QR shows the pending secret',
    );
  });

  it('step 7: a wrong code keeps the window open with a clear message', async function () {
    const field = fieldLabelled(browser.page.html, 'Enter authentication code');
    assert.equal(field.attributes.autocomplete, 'one-time-code');
    assert.equal(field.attributes.inputmode, 'numeric');
    const wrong = String((Number(codeFromApp(secret, clock)) + 1) % 1_000_000).padStart(6, '0');

    await browser.press('Submit', { 'Enter authentication code': wrong });

    assert.equal(browser.page.status, 422);
    assert.deepEqual(browser.errors(), ['There is a problem The code was not accepted.']);
    assert.equal(readConnectWindow(browser.page.html).secret, secret, 'the same QR is shown');
    const account = await stores().accounts.findByEmail(ada.email.toLowerCase());
    assert.equal(account?.totp, null);
  });

  it('step 8: "Submit" with the app\'s code, spaces and all, turns two-factor on', async function () {
    const code = codeFromApp(secret, clock);

    await browser.press('Submit', {
      'Enter authentication code': ` ${code.slice(0, 3)} ${code.slice(3)} `,
    });

    assert.equal(browser.page.status, 200);
    assert.match(browser.text('dialog'), /Two-Factor Authentication is now enabled\./);
    const account = await stores().accounts.findByEmail(ada.email.toLowerCase());
    assert.equal(openStoredSecret(account?.totp, account?.id), secret, 'only now it is active');
    assert.equal(account?.pendingTotp, null);
  });

  it('step 9: the "Backup code" section shows 10 codes once; "Close" closes the window', async function () {
    backupCodes = readBackupCodes(browser.page.html);
    assert.equal(backupCodes.length, 10);
    for (const code of backupCodes)
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    assert.equal(new Set(backupCodes).size, 10);
    assert.equal(browser.page.headers['cache-control'], 'no-store');
    const account = await stores().accounts.findByEmail(ada.email.toLowerCase());
    assert.equal(account?.backupCodes.length, 10);
    for (const record of account?.backupCodes ?? []) {
      assert.match(record.hash, /^\$argon2id\$/, 'stored only as a salted hash');
      assert.ok(!backupCodes.some((code) => record.hash.includes(code.replace(/-/g, ''))));
    }

    await browser.clickLink('Close');

    assert.equal(browser.page.path, '/security?done=enabled');
    assert.equal(cheerio.load(browser.page.html)('dialog').length, 0);
    assert.equal(readBackupCodes(browser.page.html).length, 0, 'the codes are not shown again');
  });

  it('step 10: Security Settings shows that Two-Factor Authentication is now enabled', async function () {
    assert.match(browser.text('main'), /Two-Factor Authentication is enabled for your account\./);
    assert.match(browser.text('main'), /10 unused backup codes left/);
    assert.ok(
      cheerio.load(browser.page.html)('a:contains("Turn off Two-Factor Authentication")').length,
    );
  });

  it('then signing in asks for the password, then the 6-digit code from the app', async function () {
    await signOut(browser);
    clock.nextTimeStep();
    await signInWithPassword(browser, ada);

    assert.equal(browser.page.path, '/login/code');
    assert.equal(browser.text('h1'), 'Two-step verification');
    assert.ok(browser.text().includes('Use a backup code'));

    await browser.press('Verify', { 'Enter authentication code': codeFromApp(secret, clock) });

    assert.equal(browser.page.status, 200);
    assert.equal(browser.page.path, '/');
    assert.match(browser.text('header'), /Hello, Ada!/);
  });

  it('and "Use a backup code" signs in with one backup code, once', async function () {
    await signOut(browser);
    await signInWithPassword(browser, ada);
    await browser.clickLink('Use a backup code');

    await browser.press('Verify', { 'Backup code': backupCodes[0] as string });

    assert.match(browser.text('h1'), /You are signed in with a backup code/);
    await browser.clickLink('Continue');
    assert.equal(browser.page.path, '/');
    assert.match(browser.text('header'), /Hello, Ada!/);

    await signOut(browser);
    await signInWithPassword(browser, ada);
    await browser.clickLink('Use a backup code');
    await browser.press('Verify', { 'Backup code': backupCodes[0] as string });

    assert.equal(browser.page.status, 401);
    assert.deepEqual(browser.errors(), ['There is a problem The code was not accepted.']);
    const account = await stores().accounts.findByEmail(ada.email.toLowerCase());
    assert.equal(account?.backupCodes.length, 10, 'the used code was replaced by a new one');
  });
});
