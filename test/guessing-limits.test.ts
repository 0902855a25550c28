import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import { createClient } from 'redis';
import request from 'supertest';
import {
  createGuessingLimits,
  DEFAULT_GUESSING_LIMITS,
  type GuessingLimitSettings,
  type RedisClient,
} from '../src/auth/guessing-limits.js';
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
import { findForm } from './support/html.js';
import { totpFromBase32 } from './support/rfc6238.js';
import { forEachStorePair, services, useStores } from './support/stores.js';

const PROBLEM = 'There is a problem';
const SIGN_IN_FAILED = `${PROBLEM} The email address or password is incorrect.`;
const NOT_ACCEPTED = `${PROBLEM} The code was not accepted.`;
const APP_CODES_LOCKED =
  `${PROBLEM} Codes from your app are no longer accepted for this account after too many ` +
  'wrong codes. Use a backup code to sign in, or contact support.';

/** The real limits' shape with pauses of two seconds, so a test can wait one out. */
const PAUSE_SECONDS = 2;
const quick = (tries: number) => ({ tries, windowSeconds: 60, pauseSeconds: PAUSE_SECONDS });
const QUICK_LIMITS: GuessingLimitSettings = {
  ...DEFAULT_GUESSING_LIMITS,
  passwordPerAccountAndIp: quick(3),
  passwordPerAccount: quick(6),
  passwordPerIp: quick(8),
  secondFactorPerAccount: quick(3),
};

async function waitOutThePause(): Promise<void> {
  await sleep(PAUSE_SECONDS * 1000 + 200);
}

/** A customer whose requests come through the PaaS router from this address. */
function customerAt(app: Express, ip: string): Customer {
  const customer = new Customer(app);
  customer.agent.set('X-Forwarded-For', ip);
  return customer;
}

function wrongPassword(person: Person): Person {
  return { ...person, password: 'not the password at all' };
}

/** Six digits the phone shows neither now nor one step ago. */
function wrongCode(secret: string, clock: TestClock): string {
  const valid = [codeFromApp(secret, clock), totpFromBase32(secret, clock.ms - 30_000)];
  return ['000000', '111111', '222222'].find((code) => !valid.includes(code)) as string;
}

forEachStorePair('Guessing passwords', (pair) => {
  const stores = useStores(pair);
  const config = testConfig({ TRUST_PROXY: '1' });
  let app: Express;
  let person: Person;

  beforeEach(async function () {
    app = buildApp(stores(), new TestClock(), config, {
      guessingLimits: stores().guessingLimits(QUICK_LIMITS),
    });
    person = newPerson();
    await register(new Customer(app), person);
  });

  it('ASVS V6.3.1: wrong passwords say the tries left, then a 429 says when to try again', async function () {
    const customer = customerAt(app, '198.51.100.10');

    await signInWithPassword(customer, wrongPassword(person));
    assert.equal(customer.page.status, 401);
    assert.deepEqual(customer.errors(), [
      `${SIGN_IN_FAILED} 2 tries left before a 2-second pause.`,
    ]);
    await signInWithPassword(customer, wrongPassword(person));
    assert.deepEqual(customer.errors(), [`${SIGN_IN_FAILED} 1 try left before a 2-second pause.`]);
    await signInWithPassword(customer, wrongPassword(person));

    assert.equal(customer.page.status, 429);
    assert.equal(customer.page.headers['retry-after'], '2');
    assert.deepEqual(customer.errors(), [`${PROBLEM} Too many attempts. Try again in 2 seconds.`]);
    assert.ok(customer.page.html.includes(`value="${person.email}"`), 'the email is kept');
    assert.ok(findForm(customer.page.html, 'Sign in'), 'the form is there to try again');
  });

  it('ASVS V6.3.1: while paused the right password is refused too, and it works once the pause ends', async function () {
    const customer = customerAt(app, '198.51.100.11');
    for (let i = 0; i < 3; i += 1) await signInWithPassword(customer, wrongPassword(person));

    await signInWithPassword(customer, person);
    assert.equal(customer.page.status, 429);
    assert.match(customer.errors()[0] ?? '', /Too many attempts\. Try again in \d seconds?\./);
    assert.ok(Number(customer.page.headers['retry-after']) >= 1);

    await waitOutThePause();
    await signInWithPassword(customer, person);
    assert.equal(customer.page.path, '/');
  });

  it('a right password starts the count at that address afresh; only wrong ones count', async function () {
    const customer = customerAt(app, '198.51.100.12');

    await signInWithPassword(customer, wrongPassword(person));
    await signInWithPassword(customer, wrongPassword(person));
    await signInWithPassword(customer, person);
    assert.equal(customer.page.path, '/');
    await signOut(customer);

    await signInWithPassword(customer, wrongPassword(person));
    assert.deepEqual(customer.errors(), [
      `${SIGN_IN_FAILED} 2 tries left before a 2-second pause.`,
    ]);
  });

  it('ASVS V6.1.1: wrong passwords from another address do not pause the owner', async function () {
    const attacker = customerAt(app, '203.0.113.66');
    for (let i = 0; i < 3; i += 1) await signInWithPassword(attacker, wrongPassword(person));
    assert.equal(attacker.page.status, 429);

    const owner = customerAt(app, '198.51.100.13');
    await signInWithPassword(owner, person);

    assert.equal(owner.page.path, '/');
  });

  it('ASVS V6.1.1: guesses spread over many addresses pause the account for a while, never for good', async function () {
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const attacker = customerAt(app, ip);
      await signInWithPassword(attacker, wrongPassword(person));
      await signInWithPassword(attacker, wrongPassword(person));
    }

    const owner = customerAt(app, '198.51.100.14');
    await signInWithPassword(owner, person);
    assert.equal(owner.page.status, 429, 'six wrong tries for one account pause it everywhere');

    await waitOutThePause();
    await signInWithPassword(owner, person);
    assert.equal(owner.page.path, '/');
  });

  it('ASVS V6.3.1: one address guessing across many accounts is paused (credential stuffing)', async function () {
    const stuffer = customerAt(app, '203.0.113.99');
    const emails = Array.from({ length: 8 }, (_, i) => `stuffed.${i}.${Date.now()}@example.com`);
    emails[3] = person.email;

    for (const email of emails)
      await signInWithPassword(stuffer, { ...wrongPassword(person), email });
    assert.equal(stuffer.page.status, 429);
    await signInWithPassword(stuffer, person);
    assert.equal(stuffer.page.status, 429, 'even a right password from that address waits');

    const owner = customerAt(app, '198.51.100.15');
    await signInWithPassword(owner, person);
    assert.equal(owner.page.path, '/', 'the account itself is not paused');
  });

  it('an unknown email is counted and paused exactly like a known one', async function () {
    const seen = async (email: string, ip: string): Promise<string[]> => {
      const customer = customerAt(app, ip);
      const pages: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        await signInWithPassword(customer, { ...wrongPassword(person), email });
        const text = `${customer.page.status} ${customer.errors().join()}`;
        // The seconds left differ by timing alone, not by whether the account exists.
        pages.push(text.replace(/\d+ seconds?/, 'N seconds'));
      }
      return pages;
    };

    const unknown = await seen(`nobody.${Date.now()}@example.com`, '198.51.100.16');
    const known = await seen(person.email, '198.51.100.17');

    assert.deepEqual(unknown, known);
    assert.match(known[3] ?? '', /^429 /);
  });

  it('the default limits give five tries before a 15-minute pause', async function () {
    const defaults = buildApp(stores(), new TestClock(), config, {
      guessingLimits: stores().guessingLimits(),
    });
    const customer = customerAt(defaults, '198.51.100.18');

    for (let i = 0; i < 3; i += 1) await signInWithPassword(customer, wrongPassword(person));
    assert.deepEqual(customer.errors(), [
      `${SIGN_IN_FAILED} 2 tries left before a 15-minute pause.`,
    ]);
    await signInWithPassword(customer, wrongPassword(person));
    await signInWithPassword(customer, wrongPassword(person));

    assert.equal(customer.page.status, 429);
    assert.equal(customer.page.headers['retry-after'], '900');
    assert.deepEqual(customer.errors(), [`${PROBLEM} Too many attempts. Try again in 15 minutes.`]);
  });
});

forEachStorePair('Guessing second factors', (pair) => {
  const stores = useStores(pair);
  let clock: TestClock;
  let person: Person;
  let secret: string;
  let backupCodes: string[];

  async function setUp(settings: GuessingLimitSettings): Promise<Express> {
    clock = new TestClock();
    const app = buildApp(stores(), clock, testConfig(), {
      guessingLimits: stores().guessingLimits(settings),
    });
    person = newPerson();
    const customer = new Customer(app);
    await register(customer, person);
    ({ secret, backupCodes } = await enableTwoFactor(customer, clock));
    await signOut(customer);
    clock.nextTimeStep();
    return app;
  }

  async function enterCode(customer: Customer, code: string): Promise<void> {
    await customer.press('Verify', { 'Enter authentication code': code });
  }

  it('ASVS V6.3.1: wrong codes pause the second step with a 429, then the right code works', async function () {
    const app = await setUp(QUICK_LIMITS);
    const customer = new Customer(app);
    await signInWithPassword(customer, person);

    await enterCode(customer, wrongCode(secret, clock));
    assert.deepEqual(customer.errors(), [`${NOT_ACCEPTED} 2 tries left before a 2-second pause.`]);
    await enterCode(customer, wrongCode(secret, clock));
    await enterCode(customer, wrongCode(secret, clock));
    assert.equal(customer.page.status, 429);
    assert.equal(customer.page.headers['retry-after'], '2');
    assert.deepEqual(customer.errors(), [`${PROBLEM} Too many attempts. Try again in 2 seconds.`]);

    await enterCode(customer, codeFromApp(secret, clock));
    assert.equal(customer.page.status, 429, 'the right code waits too');
    await customer.clickLink('Use a backup code');
    await customer.press('Verify', { 'Backup code': backupCodes[0] as string });
    assert.equal(customer.page.status, 429, 'so does a backup code: the pause is per account');

    await waitOutThePause();
    await customer.visit('/login/code');
    await enterCode(customer, codeFromApp(secret, clock));
    assert.equal(customer.page.path, '/');
  });

  it('NIST 3.2.2: 100 wrong codes in a row lock app codes, across sign-ins and restarts; a backup code unlocks', async function () {
    // The per-account pause is set out of the way, so all 100 wrong codes go through HTTP.
    const unpaused = { ...DEFAULT_GUESSING_LIMITS, secondFactorPerAccount: quick(1000) };
    const app = await setUp(unpaused);
    const account = await stores().accounts.findByEmail(person.email.toLowerCase());
    const first = new Customer(app);
    await signInWithPassword(first, person);
    for (let i = 0; i < 60; i += 1) await enterCode(first, wrongCode(secret, clock));

    const second = new Customer(app);
    await signInWithPassword(second, person);
    for (let i = 0; i < 39; i += 1) await enterCode(second, wrongCode(secret, clock));
    assert.equal(second.page.status, 401);
    assert.deepEqual(second.errors(), [NOT_ACCEPTED], 'the 99th is only not accepted');
    await enterCode(second, wrongCode(secret, clock));
    assert.equal(second.page.status, 403);
    assert.deepEqual(second.errors(), [APP_CODES_LOCKED]);

    const restarted = buildApp(stores(), clock, testConfig(), {
      guessingLimits: stores().guessingLimits(unpaused),
    });
    const third = new Customer(restarted);
    await signInWithPassword(third, person);
    assert.deepEqual(third.errors(), [APP_CODES_LOCKED], 'said before a code is typed');
    await enterCode(third, codeFromApp(secret, clock));
    assert.equal(third.page.status, 403, 'the right code is refused');
    assert.deepEqual(third.errors(), [APP_CODES_LOCKED]);

    await third.clickLink('Use a backup code');
    await third.press('Verify', { 'Backup code': backupCodes[0] as string });
    await third.clickLink('Continue');
    assert.equal(third.page.path, '/');
    assert.equal(await stores().accounts.countSecondFactorFailures(account?.id as string), 0);

    await signOut(third);
    clock.nextTimeStep();
    await signInWithPassword(third, person);
    await enterCode(third, codeFromApp(secret, clock));
    assert.equal(third.page.path, '/', 'app codes work again');
  });
});

/** One sign-in attempt through the router to one process, as in production. */
async function tryPassword(app: Express, email: string, password: string) {
  const https = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.40' };
  const page = await request(app).get('/login').set(https);
  const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
  const session = cookies.find((cookie) => cookie.startsWith('__Host-sid='))?.split(';')[0];
  const form = findForm(page.text, 'Sign in');

  return request(app)
    .post(form.action)
    .set({ ...https, Cookie: session as string })
    .type('form')
    .send({ ...form.fields, email, password });
}

forEachStorePair(
  'Guessing limits in production',
  (pair) => {
    const stores = useStores(pair);
    const clients: RedisClient[] = [];
    const config = testConfig({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://127.0.0.1/unused-by-tests',
      REDIS_URL: 'redis://127.0.0.1',
    });

    /** A web process of its own: its own app and its own connection to the shared Redis. */
    async function startProcess(): Promise<Express> {
      const client: RedisClient = createClient({ url: process.env.TEST_REDIS_URL as string });
      await client.connect();
      clients.push(client);
      return buildApp(stores(), new TestClock(), config, {
        guessingLimits: createGuessingLimits(QUICK_LIMITS, client),
      });
    }

    after(async function () {
      await Promise.all(clients.map((client) => client.quit()));
    });

    it('ASVS V6.3.1: the counts are shared by every process and outlast a restart', async function () {
      const [first, second] = [await startProcess(), await startProcess()];
      const person = newPerson();
      // Registered outside production mode, whose Secure cookie this plain-HTTP agent drops;
      // the account lands in the same MongoDB either way.
      await register(new Customer(buildApp(stores(), new TestClock())), person);
      const wrong = 'not the password at all';

      assert.equal((await tryPassword(first, person.email, wrong)).status, 401);
      const onSecond = await tryPassword(second, person.email, wrong);
      assert.match(onSecond.text, /1 try left before a 2-second pause\./);
      assert.equal((await tryPassword(first, person.email, wrong)).status, 429);
      assert.equal((await tryPassword(second, person.email, person.password)).status, 429);

      const restarted = await startProcess();
      const afterRestart = await tryPassword(restarted, person.email, person.password);
      assert.equal(afterRestart.status, 429);
      assert.ok(Number(afterRestart.headers['retry-after']) >= 1);
    });

    it('production refuses to start with limits kept in one process', async function () {
      assert.throws(
        () =>
          buildApp(stores(), new TestClock(), config, {
            guessingLimits: createGuessingLimits(QUICK_LIMITS, null),
          }),
        /must be kept in Redis/,
      );
    });
  },
  [services()],
);
