import { strict as assert } from 'node:assert';
import type { Express } from 'express';
import request from 'supertest';
import { buildApp, testConfig, TestClock } from './support/app.js';
import { codeFromApp } from './support/flows.js';
import { findForm, textOf } from './support/html.js';
import { readConnectWindow } from './support/flows.js';
import { forEachStorePair, services, useStores } from './support/stores.js';

/**
 * Production mode behind the PaaS router: several web processes, each its own app, sharing
 * MongoDB and Redis. The browser's requests land on whichever process the router picks.
 */
class RoutedBrowser {
  cookie = '';
  html = '';
  status = 0;
  setCookie: string[] = [];

  constructor(private readonly processes: Express[]) {}

  private async send(
    index: number,
    method: 'get' | 'post',
    path: string,
    body?: Record<string, string>,
  ) {
    const app = this.processes[index % this.processes.length] as Express;
    let req = request(app)[method](path).set('X-Forwarded-Proto', 'https');
    if (this.cookie) req = req.set('Cookie', this.cookie);
    const res = body ? await req.type('form').send(body) : await req;

    this.setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = this.setCookie.find((c) => c.startsWith('__Host-sid='));
    if (session) this.cookie = session.split(';')[0] as string;
    this.status = res.status;
    this.html = res.text;
    return res;
  }

  async get(index: number, path: string): Promise<void> {
    const res = await this.send(index, 'get', path);
    if (res.status === 303) await this.get(index + 1, res.headers.location as string);
  }

  async press(index: number, button: string, fields: Record<string, string> = {}): Promise<void> {
    const form = findForm(this.html, button);
    const res = await this.send(index, 'post', form.action, { ...form.fields, ...fields });
    if (res.status === 303) await this.get(index + 1, res.headers.location as string);
  }
}

forEachStorePair(
  'Several web processes over MongoDB and Redis',
  (pair) => {
    const stores = useStores(pair);
    const clock = new TestClock();
    let processes: Express[];

    before(async function () {
      const config = testConfig({
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://127.0.0.1/unused-by-tests',
        REDIS_URL: 'redis://127.0.0.1',
      });
      processes = [buildApp(stores(), clock, config), buildApp(stores(), clock, config)];
    });

    it('a customer moves between processes through the whole flow without losing the session', async function () {
      const browser = new RoutedBrowser(processes);
      const email = `router.${Date.now()}@example.com`;

      await browser.get(0, '/register');
      await browser.press(1, 'Create account', {
        firstName: 'Alan',
        lastName: 'Turing',
        email,
        password: 'enigma machine 1912',
        passwordConfirmation: 'enigma machine 1912',
      });
      assert.match(textOf(browser.html, 'header'), /Hello, Alan!/);

      await browser.get(1, '/security/two-factor/enable');
      await browser.press(0, 'Get Started');
      const { secret } = readConnectWindow(browser.html);
      await browser.press(1, 'Submit', { code: codeFromApp(secret, clock) });
      assert.match(textOf(browser.html, 'dialog'), /Two-Factor Authentication is now enabled/);

      await browser.get(0, '/');
      await browser.press(1, 'Sign out');
      clock.nextTimeStep();
      await browser.press(0, 'Sign in', { email, password: 'enigma machine 1912' });
      assert.match(textOf(browser.html, 'h1'), /Two-step verification/);
      await browser.press(1, 'Verify', { code: codeFromApp(secret, clock) });

      assert.match(textOf(browser.html, 'header'), /Hello, Alan!/);
    });

    it('ASVS V3.3.1-V3.3.4: the session cookie is __Host-, Secure, HttpOnly and SameSite=Lax', async function () {
      const browser = new RoutedBrowser(processes);

      await browser.get(0, '/login');

      const cookie = browser.setCookie.find((c) => c.startsWith('__Host-sid=')) ?? '';
      assert.match(cookie, /; Path=\//);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; SameSite=Lax/);
      assert.doesNotMatch(cookie, /; Domain=/);
    });
  },
  [services()],
);
