import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as cheerio from 'cheerio';
import type { Element } from 'domhandler';
import type { Express } from 'express';
import { createLogger } from '../src/log.js';
import { describeEvent } from '../src/security-activity.js';
import { openSqliteEventStore } from '../src/stores/sqlite-events.js';
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
import { forEachStorePair, sessionIdFromCookie, useStores } from './support/stores.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) ActivityTest/7.1 Firefox/140.0';
const BROWSER_IP = '203.0.113.7';
const OTHER_BROWSER = 'curl/8.14.1 (someone else)';
const OTHER_IP = '198.51.100.23';

interface ActivityEntry {
  what: string;
  datetime: string;
  when: string;
  ip: string;
  browser: string;
}

/** The "Recent security activity" list as the customer reads it, top to bottom. */
function readActivity(html: string): ActivityEntry[] {
  const $ = cheerio.load(html);
  const heading = $('h2').filter((_i, el) => $(el).text().trim() === 'Recent security activity');
  assert.equal(heading.length, 1, 'Security Settings has a "Recent security activity" heading');

  const fact = (item: Element, term: string): string =>
    $(item)
      .find('dt')
      .filter((_i, el) => $(el).text().trim() === term)
      .next('dd')
      .text()
      .trim();

  return heading
    .closest('section')
    .find('ol > li')
    .map((_i, item) => ({
      what: $(item).find('.activity-what').text().trim(),
      datetime: $(item).find('time').attr('datetime') ?? '',
      when: fact(item, 'Time'),
      ip: fact(item, 'IP address'),
      browser: fact(item, 'Browser'),
    }))
    .get();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A browser with its own User-Agent, seen by the app as coming from this address. */
function browserOf(app: Express, userAgent: string, ip: string): Customer {
  const customer = new Customer(app);
  customer.agent.set('User-Agent', userAgent).set('X-Forwarded-For', ip);
  return customer;
}

async function activityOf(customer: Customer): Promise<ActivityEntry[]> {
  await customer.visit('/security');
  assert.equal(customer.page.status, 200);
  return readActivity(customer.page.html);
}

forEachStorePair('Security Settings: recent security activity', (pair) => {
  const stores = useStores(pair);
  let app: Express;
  let clock: TestClock;
  let logLines: string[];
  let customer: Customer;
  let person: Person;

  beforeEach(async function () {
    clock = new TestClock();
    logLines = [];
    const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
    // One proxy in front, as in production, so the address is the one X-Forwarded-For names.
    app = buildApp(stores(), clock, testConfig({ TRUST_PROXY: '1' }), { logger });
    customer = browserOf(app, BROWSER, BROWSER_IP);
    person = newPerson();
    await register(customer, person);
  });

  it('ASVS V16.3.1: sign-in, wrong password, wrong code, backup code and two-factor on and off are listed with time, IP and browser', async function () {
    const intruder = browserOf(app, OTHER_BROWSER, OTHER_IP);
    const enrolment = await enableTwoFactor(customer, clock);
    const enabledAt = clock.now();
    await signOut(customer);

    clock.advance(60_000);
    const wrongPasswordAt = clock.now();
    await intruder.visit('/login');
    await intruder.press('Sign in', { 'Email address': person.email, Password: 'guess1234567' });
    assert.equal(intruder.page.status, 401);

    clock.advance(60_000);
    clock.nextTimeStep();
    await signInWithPassword(customer, person);
    await customer.press('Verify', { 'Enter authentication code': '000000' });
    assert.equal(customer.page.status, 401);
    await customer.press('Verify', {
      'Enter authentication code': codeFromApp(enrolment.secret, clock),
    });
    assert.equal(customer.page.path, '/');
    const signedInAt = clock.now();
    await signOut(customer);

    clock.advance(60_000);
    await signInWithPassword(customer, person);
    await customer.clickLink('Use a backup code');
    await customer.press('Verify', { 'Backup code': enrolment.backupCodes[0] as string });
    await customer.clickLink('Continue');
    assert.equal(customer.page.path, '/');

    clock.advance(60_000);
    clock.nextTimeStep();
    await customer.visit('/security');
    await customer.clickLink('Turn off Two-Factor Authentication');
    await customer.press('Confirm', { 'Current password': person.password });
    await customer.press('Turn off', {
      'Authentication code or backup code': codeFromApp(enrolment.secret, clock),
    });
    assert.equal(customer.page.path, '/security?done=disabled');
    const disabledAt = clock.now();

    const activity = readActivity(customer.page.html);
    const find = (what: string): ActivityEntry => {
      const entry = activity.find((row) => row.what === what);
      assert.ok(entry, `"${what}" is listed in ${JSON.stringify(activity.map((r) => r.what))}`);
      return entry;
    };
    for (const what of [
      'Signed in',
      'Wrong authentication code',
      'Backup code used',
      'Signed in with a backup code',
      'Two-factor authentication turned on',
      'Two-factor authentication turned off',
    ]) {
      assert.equal(find(what).ip, BROWSER_IP, what);
      assert.equal(find(what).browser, BROWSER, what);
    }
    const wrongPassword = find('Wrong password');
    assert.deepEqual(
      { ip: wrongPassword.ip, browser: wrongPassword.browser },
      { ip: OTHER_IP, browser: OTHER_BROWSER },
      "a wrong password shows the address and browser it came from, not the customer's",
    );
    assert.equal(wrongPassword.datetime, wrongPasswordAt.toISOString());
    assert.equal(find('Two-factor authentication turned on').datetime, enabledAt.toISOString());
    assert.equal(find('Signed in').datetime, signedInAt.toISOString());
    const turnedOff = find('Two-factor authentication turned off');
    assert.equal(turnedOff.datetime, disabledAt.toISOString());
    const [date, time] = disabledAt.toISOString().split('T') as [string, string];
    const [year, , day] = date.split('-');
    const when = `^${Number(day)} \\w{3,4} ${year}, ${time.slice(0, 8)} UTC$`;
    assert.match(turnedOff.when, new RegExp(when), 'a readable UTC time');
  });

  it('ASVS V6.3.5: only the latest 20 events are listed, newest first', async function () {
    // Registering is the first event; each round adds two more, a sign-out and a sign-in.
    for (let round = 0; round < 11; round += 1) {
      clock.advance(60_000);
      await signOut(customer);
      clock.advance(60_000);
      await signInWithPassword(customer, person);
      assert.equal(customer.page.path, '/');
    }

    const activity = await activityOf(customer);

    assert.equal(activity.length, 20);
    assert.equal(activity[0]?.what, 'Signed in');
    assert.equal(activity[0]?.datetime, clock.now().toISOString());
    assert.equal(activity[1]?.what, 'Signed out');
    const times = activity.map((entry) => Date.parse(entry.datetime));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.ok(!activity.some((entry) => entry.what === 'Account created'), 'the oldest is gone');
  });

  it("ASVS V6.3.5: another customer's activity never appears", async function () {
    const other = browserOf(app, OTHER_BROWSER, OTHER_IP);
    const otherPerson = newPerson({ firstName: 'Grace' });
    await register(other, otherPerson);
    await signOut(other);
    await signInWithPassword(other, otherPerson);

    const mine = await activityOf(customer);
    const theirs = await activityOf(other);

    const rows = (activity: ActivityEntry[]): string[][] =>
      activity.map((entry) => [entry.what, entry.ip, entry.browser]);
    assert.deepEqual(rows(mine), [['Account created', BROWSER_IP, BROWSER]]);
    assert.deepEqual(rows(theirs), [
      ['Signed in', OTHER_IP, OTHER_BROWSER],
      ['Signed out', OTHER_IP, OTHER_BROWSER],
      ['Account created', OTHER_IP, OTHER_BROWSER],
    ]);
  });

  it('ASVS V16.3.1: a hostile browser name is shown as text, never as markup', async function () {
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const attacker = browserOf(app, hostile, OTHER_IP);
    await attacker.visit('/login');
    await attacker.press('Sign in', { 'Email address': person.email, Password: 'guess1234567' });

    await customer.visit('/security');

    const $ = cheerio.load(customer.page.html);
    assert.equal($('script').length, 0);
    assert.equal($('main img').length, 0);
    assert.ok(customer.page.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.equal(readActivity(customer.page.html)[0]?.browser, hostile);
  });

  it('ASVS V16.3.1: a wrong password for an unknown email is logged, for no account', async function () {
    await signOut(customer);

    await signInWithPassword(customer, { ...person, email: 'nobody@example.com' });

    const failures = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.event === 'sign_in.password_failed');
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.reason, 'unknown-email');
    assert.equal(failures[0]?.accountId, undefined);
    assert.equal(failures[0]?.ip, BROWSER_IP);
    await signInWithPassword(customer, person);
    const activity = await activityOf(customer);
    assert.ok(!activity.some((entry) => entry.what === 'Wrong password'));
  });

  it('a history that cannot be written or read does not stop signing in or Security Settings', async function () {
    const dir = mkdtempSync(path.join(tmpdir(), 'client-area-events-'));
    const broken = openSqliteEventStore(dir);
    await broken.close();
    const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
    const brokenApp = buildApp({ ...stores(), securityEvents: broken }, clock, undefined, {
      logger,
    });
    const visitor = new Customer(brokenApp);

    await signInWithPassword(visitor, person);
    assert.equal(visitor.page.path, '/');
    await visitor.visit('/security');

    assert.equal(visitor.page.status, 200);
    assert.match(visitor.text('main'), /Your recent activity cannot be shown right now\./);
    const errors = logLines
      .map((line) => JSON.parse(line) as { level: number; event: string; securityEvent?: string })
      .filter((line) => line.level >= 50);
    assert.deepEqual(
      errors.map((line) => [line.event, line.securityEvent]),
      [
        ['security_event.not_stored', 'sign_in.succeeded'],
        ['security_activity.not_read', undefined],
      ],
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('ASVS V16.3.1: neither the log nor the stored activity holds a password, code or session id', async function () {
    const secrets: string[] = [person.password];
    const remember = (): void => {
      const cookie = customer.sessionCookie;
      if (cookie !== null) secrets.push(cookie, sessionIdFromCookie(cookie));
    };
    remember();

    const enrolment = await enableTwoFactor(customer, clock);
    secrets.push(enrolment.secret, codeFromApp(enrolment.secret, clock));
    remember();
    await signOut(customer);

    clock.nextTimeStep();
    await signInWithPassword(customer, { ...person, password: 'wrong password 1' });
    secrets.push('wrong password 1');
    await signInWithPassword(customer, person);
    remember();
    await customer.press('Verify', { 'Enter authentication code': '999999' });
    const code = codeFromApp(enrolment.secret, clock);
    await customer.press('Verify', { 'Enter authentication code': code });
    secrets.push(code);
    remember();
    await signOut(customer);

    await signInWithPassword(customer, person);
    await customer.clickLink('Use a backup code');
    const backupCode = enrolment.backupCodes[1] as string;
    await customer.press('Verify', { 'Backup code': backupCode });
    const replacement = customer.text('.code-single');
    secrets.push(
      backupCode,
      backupCode.replace(/-/g, ''),
      replacement,
      replacement.replace(/-/g, ''),
    );
    remember();
    await customer.clickLink('Continue');
    assert.equal(customer.page.path, '/');

    const account = await stores().accounts.findByEmail(person.email.toLowerCase());
    const stored = JSON.stringify(await stores().securityEvents.recent(account?.id ?? '', 100));
    const logged = logLines.join('\n');

    const events = logLines.map((line) => (JSON.parse(line) as { event?: string }).event);
    for (const event of ['sign_in.password_failed', 'sign_in.second_factor_failed']) {
      assert.ok(events.includes(event), `the log has ${event}`);
    }
    assert.match(stored, /backup_code\.used/);
    for (const secret of new Set(secrets)) {
      // Whole tokens only: a 6-digit code may well occur inside a 13-digit timestamp.
      const token = new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(secret)}(?![A-Za-z0-9])`);
      assert.doesNotMatch(logged, token, 'the log lines');
      assert.doesNotMatch(stored, token, 'the stored activity');
    }
  });
});

describe('Security activity: what each event is called', function () {
  it('an event named later still reads as words, never breaking the page', function () {
    const named = describeEvent({ event: 'sessions.ended_elsewhere', reason: null, method: null });

    assert.equal(named, 'Sessions ended elsewhere');
  });

  it('a code used a second time is called that, for the app code and a backup code alike', function () {
    for (const method of ['totp', 'backup-code']) {
      const event = { event: 'sign_in.second_factor_failed', reason: 'replayed', method };
      assert.equal(describeEvent(event), 'A code was used again');
    }
  });
});
