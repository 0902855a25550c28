import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { buildApp, TestClock } from './support/app.js';
import {
  AuditWindow,
  controlsWithoutVisibleLabel,
  DESKTOP,
  errorSummaryProblems,
  horizontalOverflow,
  PHONE,
  seriousViolations,
  ZOOM_200,
  type Snapshot,
} from './support/audit.js';
import { launchChromium, pathOf, serve, type RunningApp } from './support/browser.js';
import { codeFromApp, newPerson, type Person } from './support/flows.js';
import { decodeQrPng } from './support/qr.js';
import { forEachStorePair, useStores } from './support/stores.js';

// `SCREENSHOTS=1` (npm run screenshots) also saves a picture of each step for the README.
const SCREENSHOT_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../docs/screenshots',
);
const SCREENSHOT_WIDTH = 800;
// The activity list under Security Settings grows with every step of the walk; each step
// shows at the top, so a picture ends here and its file stays small.
const SCREENSHOT_MAX_HEIGHT = 1400;
const BROWSER_TEST_MS = 180_000;

/** Pictures of steps that no longer exist must not stay behind in the README's folder. */
function clearScreenshots(): void {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const file of readdirSync(SCREENSHOT_DIR)) {
    if (/^\d\d-.*\.png$/.test(file)) rmSync(path.join(SCREENSHOT_DIR, file));
  }
}

/** What a customer does in the browser: by visible labels and names only. */
class BrowserCustomer {
  /** Pages the server answered with a 5xx; a customer must never see one. */
  readonly serverErrors: string[] = [];

  /** A second browser of the same walk passes the walk's snapshots, to be audited with them. */
  constructor(
    readonly page: Page,
    private readonly screenshots: boolean,
    readonly snapshots: Snapshot[] = [],
  ) {
    // A step that cannot happen fails within seconds instead of using up the test's time.
    page.setDefaultTimeout(10_000);
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.status() >= 500) {
        this.serverErrors.push(`${response.status()} ${response.url()}`);
      }
    });
  }

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  link(name: string): Locator {
    return this.page.getByRole('link', { name, exact: true });
  }

  heading(name: string): Locator {
    return this.page.getByRole('heading', { name, exact: true });
  }

  greeting(): Locator {
    return this.page.locator('header summary');
  }

  /** Clicks what leads to another page and waits until that page has loaded. */
  async follow(target: Locator): Promise<void> {
    const loaded = this.page.waitForEvent('load');
    await target.click();
    await loaded;
  }

  async visit(pathAndQuery: string): Promise<void> {
    await this.page.goto(pathAndQuery);
  }

  async errorMessages(): Promise<string[]> {
    return (await this.page.locator('.error-summary li').allTextContents()).map((text) =>
      text.trim(),
    );
  }

  /**
   * Keeps the page as it is now for the audit, and a picture of it when asked for; `phone`
   * adds one at a phone's width.
   */
  async record(name: string, { phone = false } = {}): Promise<void> {
    this.snapshots.push({ name, url: this.page.url(), html: await this.page.content() });
    if (!this.screenshots) return;

    const number = String(this.snapshots.length).padStart(2, '0');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    writeFileSync(
      path.join(SCREENSHOT_DIR, `${number}-${name}.png`),
      await this.picture(SCREENSHOT_WIDTH),
    );
    if (!phone) return;
    writeFileSync(
      path.join(SCREENSHOT_DIR, `${number}-${name}-phone.png`),
      await this.picture(PHONE.width),
    );
  }

  /**
   * The page at the given width (800 px, laptop-like, keeps the file small), down to at most
   * SCREENSHOT_MAX_HEIGHT. The window is made as tall as the picture, so the dimmed backdrop
   * (fixed to the window) covers all of it, as on a screen.
   */
  private async picture(width: number): Promise<Buffer> {
    const size = this.page.viewportSize() ?? { width: DESKTOP.width, height: DESKTOP.height };
    await this.page.setViewportSize({ width, height: size.height });
    const height = await this.page.evaluate('document.documentElement.scrollHeight');
    await this.page.setViewportSize({
      width,
      height: Math.min(Number(height), SCREENSHOT_MAX_HEIGHT),
    });
    const png = await this.page.screenshot();
    await this.page.setViewportSize(size);
    return png;
  }
}

async function signOut(tab: BrowserCustomer): Promise<void> {
  await tab.greeting().click();
  await tab.follow(tab.button('Sign out'));
  assert.equal(pathOf(tab.page), '/login');
}

async function signIn(
  tab: BrowserCustomer,
  person: Person,
  password = person.password,
): Promise<void> {
  await tab.field('Email address').fill(person.email);
  await tab.field('Password').fill(password);
  await tab.follow(tab.button('Sign in'));
}

/**
 * What the focused element is, as a screen reader would name it, e.g. `button "Submit"`. A
 * <summary> has no ARIA role of its own, so it is named by its tag and text.
 */
async function focused(page: Page): Promise<string> {
  const target = page.locator('*:focus');
  const tag = await target.evaluate((element) => (element as { tagName: string }).tagName);
  if (tag === 'SUMMARY') return `summary "${(await target.innerText()).trim()}"`;

  const snapshot = await target.ariaSnapshot();
  return snapshot.replace(/^- /, '').split('\n')[0]?.replace(/:$/, '') ?? '';
}

/** Presses Tab (or Shift+Tab) once per expected stop and checks where focus lands each time. */
async function tabThrough(page: Page, expected: string[], key = 'Tab'): Promise<void> {
  const seen: string[] = [];
  for (let stop = 0; stop < expected.length; stop += 1) {
    await page.keyboard.press(key);
    seen.push(await focused(page));
  }
  assert.deepEqual(seen, expected, `${key} order on ${pathOf(page)}`);
}

forEachStorePair('In a real browser with JavaScript off (headless Chromium)', (pair) => {
  const stores = useStores(pair);
  const clock = new TestClock();
  // Pictures for the README come from the embedded pair's run only.
  const screenshots = process.env.SCREENSHOTS === '1' && pair.name.startsWith('embedded');
  let app: RunningApp;
  let browser: Browser;
  let context: BrowserContext;
  let walk: BrowserCustomer;

  before(async function () {
    this.timeout(60_000);
    app = await serve(buildApp(stores(), clock));
    browser = await launchChromium();
    context = await browser.newContext({
      javaScriptEnabled: false,
      baseURL: app.url,
      viewport: { width: DESKTOP.width, height: DESKTOP.height },
    });
    walk = new BrowserCustomer(await context.newPage(), screenshots);
    if (screenshots) clearScreenshots();
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await app?.close();
  });

  it('the whole click-path: register, sign in, the menu, enable 2FA from a screenshot of the QR, sign in with a code and a backup code, new backup codes, sign out elsewhere, turn 2FA off', async function () {
    this.timeout(BROWSER_TEST_MS);
    const ada = newPerson({ firstName: 'Ada', email: `ada.${Date.now()}@example.com` });
    const { page } = walk;

    // JavaScript really is off in this browser: a page's own script does not run.
    await page.goto('data:text/html,<title>as sent</title><script>document.title="ran"</script>');
    assert.equal(await page.title(), 'as sent');

    await walk.visit('/register');
    await walk.record('create-account');
    await walk.field('First name').fill(ada.firstName);
    await walk.field('Last name').fill(ada.lastName);
    await walk.field('Email address').fill(ada.email);
    await walk.field('Password').fill(ada.password);
    await walk.field('Confirm password').fill('a different password');
    await walk.follow(walk.button('Create account'));
    assert.deepEqual(await walk.errorMessages(), ['The two passwords do not match.']);
    await walk.record('create-account-mistake');

    await walk.field('Password').fill(ada.password);
    await walk.field('Confirm password').fill(ada.password);
    await walk.follow(walk.button('Create account'));
    assert.equal(pathOf(page), '/');
    await signOut(walk);

    // Step 1, after a mistyped password.
    await signIn(walk, ada, 'not the password');
    assert.deepEqual(await walk.errorMessages(), ['The email address or password is incorrect.']);
    await walk.record('sign-in-mistake');
    await signIn(walk, ada);
    assert.equal(pathOf(page), '/');
    await walk.record('client-area');

    // Step 2: the greeting opens its menu on a click, with no script.
    assert.equal(await walk.greeting().innerText(), 'Hello, Ada! ▾');
    assert.equal(await walk.link('Security Settings').first().isVisible(), true, 'home card');
    const menuItem = page.locator('header').getByRole('link', { name: 'Security Settings' });
    assert.equal(await menuItem.isVisible(), false, 'the menu starts closed');
    await walk.greeting().click();
    assert.equal(await menuItem.isVisible(), true, 'the click opened the menu');
    await walk.record('greeting-menu', { phone: true });

    // Step 3.
    await walk.follow(menuItem);
    assert.equal(pathOf(page), '/security');
    assert.equal(await walk.heading('Security Settings').count(), 1);
    assert.equal(await walk.heading('Two-Factor Authentication').count(), 1);
    await walk.record('security-settings');

    // Step 4.
    await walk.follow(walk.link('Click here to Enable'));
    assert.equal(await walk.heading('Enable Two-Factor Authentication').isVisible(), true);
    assert.equal(await page.getByRole('dialog').count(), 1);

    // Step 5.
    const timeBased = page.getByRole('radio', { name: 'Time Based Tokens', exact: true });
    assert.equal(await timeBased.isChecked(), true, '"Time Based Tokens" is selected');
    await walk.record('enable-window');
    await walk.follow(walk.button('Get Started'));
    assert.equal(await walk.heading('Connect your app').isVisible(), true);

    // Step 6: scan the QR code off the screen, as a phone would.
    const uri = new URL(decodeQrPng(await page.screenshot({ fullPage: true })));
    const secret = uri.searchParams.get('secret') ?? '';
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(decodeURIComponent(uri.pathname), `/Client Area:${ada.email}`);
    assert.equal(uri.searchParams.get('issuer'), 'Client Area');
    assert.equal(await page.locator('.setup-key').innerText(), secret.match(/.{4}/g)?.join(' '));
    const qrText = await page.getByRole('img').getAttribute('alt');
    assert.match(qrText ?? '', /QR code .* setup key/, 'the QR code has a text alternative');
    await walk.record('connect-your-app', { phone: true });

    // Step 7, first with a code off by one.
    const code = walk.field('Enter authentication code');
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await code.getAttribute('inputmode'), 'numeric');
    await code.fill(offByOne(codeFromApp(secret, clock)));
    await walk.follow(walk.button('Submit'));
    assert.deepEqual(await walk.errorMessages(), ['The code was not accepted.']);
    assert.match(await focused(page), /^alert/, 'focus starts on the list of errors');
    assert.equal(await walk.heading('Connect your app').isVisible(), true, 'the window stays');
    await walk.record('connect-wrong-code');

    // Step 8.
    await code.fill(codeFromApp(secret, clock));
    await walk.follow(walk.button('Submit'));
    const enabledNote = page.getByText('Two-Factor Authentication is now enabled.');
    assert.equal(await enabledNote.isVisible(), true);

    // Step 9: the codes, and the same codes as a text file made from the page itself.
    const backupCodes = await codesIn(
      page.getByRole('region', { name: 'Backup code', exact: true }),
    );
    assert.equal(backupCodes.length, 10);
    assert.deepEqual(await downloadedCodes(walk), backupCodes, 'the file holds the same codes');
    await walk.record('backup-codes');
    await walk.follow(walk.link('Close'));

    // Step 10, with a notice that offers to sign out sessions elsewhere.
    assert.equal(pathOf(page), '/security?done=enabled');
    assert.equal(await page.getByRole('dialog').count(), 0, 'the window is closed');
    const status = page.getByText('Two-Factor Authentication is enabled for your account.');
    assert.equal(await status.isVisible(), true);
    const notice = page.getByRole('status');
    assert.match(await notice.innerText(), /^Two-Factor Authentication is on\./);
    assert.equal(await notice.getByRole('button', { name: 'Sign out other sessions' }).count(), 1);
    assert.match(await card(walk, 'Backup codes').innerText(), /You have 10 unused backup codes/);
    assert.equal(await card(walk, 'Sessions').getByRole('button').count(), 1);
    await walk.record('two-factor-enabled');

    // Signing in now takes the password, then a code from the app.
    await signOut(walk);
    clock.nextTimeStep();
    await signIn(walk, ada);
    assert.equal(pathOf(page), '/login/code');
    await walk.record('sign-in-code');
    const signInCode = codeFromApp(secret, clock);
    await walk.field('Enter authentication code').fill(signInCode);
    await walk.follow(walk.button('Verify'));
    assert.equal(pathOf(page), '/');
    assert.equal(await walk.greeting().innerText(), 'Hello, Ada! ▾');

    // The same code a second time, still within its 30 seconds, is refused as used.
    await signOut(walk);
    await signIn(walk, ada);
    await walk.field('Enter authentication code').fill(signInCode);
    await walk.follow(walk.button('Verify'));
    assert.deepEqual(await walk.errorMessages(), [
      'This code was already used. Wait for the next one.',
    ]);
    await walk.record('sign-in-code-used');

    // Or the password and a backup code, which is replaced by a new one shown once.
    await walk.follow(walk.link('Use a backup code'));
    await walk.record('sign-in-backup-code');
    await walk.field('Backup code').fill(backupCodes[0] as string);
    await walk.follow(walk.button('Verify'));
    assert.equal(pathOf(page), '/login/backup-code');
    assert.equal(await walk.heading('You are signed in with a backup code').count(), 1);
    const replacement = (await page.locator('.code-single').innerText()).trim();
    assert.match(replacement, BACKUP_CODE_SHAPE);
    assert.ok(!backupCodes.includes(replacement), 'the replacement is a new code');
    await walk.record('backup-code-replaced', { phone: true });
    await walk.follow(walk.link('Continue'));
    assert.equal(pathOf(page), '/');
    assert.equal(await walk.greeting().innerText(), 'Hello, Ada! ▾');

    // Security Settings: the cards, and the activity of the walk so far, newest first.
    await walk.follow(walk.link('Security Settings').first());
    assert.match(await card(walk, 'Backup codes').innerText(), /You have 10 unused backup codes/);
    const activity = page.getByRole('region', { name: 'Recent security activity' });
    const events = await activity.locator('.activity-what').allInnerTexts();
    assert.equal(events[0], 'Signed in with a backup code');
    assert.ok(events.includes('Two-factor authentication turned on'), events.join(' | '));
    assert.ok(events.includes('Wrong password'), events.join(' | '));
    await walk.record('security-activity', { phone: true });

    // New backup codes: the password first, once mistyped.
    await walk.follow(walk.link('Make new backup codes'));
    assert.equal(pathOf(page), '/security/confirm-password?next=%2Fsecurity%2Fbackup-codes%2Fnew');
    assert.equal(await walk.heading('Confirm your password').count(), 1);
    await walk.record('confirm-password');
    await walk.field('Current password').fill('not the password');
    await walk.follow(walk.button('Confirm'));
    assert.match((await walk.errorMessages()).join(), /^The password is incorrect\./);
    await walk.record('confirm-password-mistake');
    await walk.field('Current password').fill(ada.password);
    await walk.follow(walk.button('Confirm'));
    assert.equal(pathOf(page), '/security/backup-codes/new');
    assert.equal(await walk.heading('Make new backup codes').isVisible(), true);
    await walk.record('renew-window');
    await walk.follow(walk.button('Make new codes'));
    assert.equal(await walk.heading('Your new backup codes').isVisible(), true);
    const newCodes = await codesIn(page.getByRole('region', { name: 'Backup code', exact: true }));
    assert.equal(newCodes.length, 10);
    assert.ok(!newCodes.some((code) => backupCodes.includes(code)), 'a set of new codes');
    assert.deepEqual(await downloadedCodes(walk), newCodes);
    await walk.record('new-backup-codes');
    await walk.follow(walk.link('Close'));
    assert.equal(pathOf(page), '/security');

    // Sign out other sessions: one signed in in another browser ends, this one stays.
    const elsewhere = await browser.newContext({ javaScriptEnabled: false, baseURL: app.url });
    try {
      const other = new BrowserCustomer(await elsewhere.newPage(), screenshots, walk.snapshots);
      await other.visit('/login');
      await signIn(other, ada);
      await other.follow(other.link('Use a backup code'));
      await other.field('Backup code').fill(newCodes[0] as string);
      await other.follow(other.button('Verify'));
      await other.follow(other.link('Continue'));
      assert.equal(pathOf(other.page), '/');

      await walk.follow(card(walk, 'Sessions').getByRole('button'));
      assert.equal(pathOf(page), '/security?done=sessions-ended');
      assert.equal(
        await page.getByRole('status').innerText(),
        'Your other sessions are signed out. This one stays signed in.',
      );
      await walk.record('other-sessions-signed-out');
      await other.visit('/security');
      assert.equal(pathOf(other.page), '/login?ended=signed-out-elsewhere&next=%2Fsecurity');
      assert.match(await other.page.getByRole('status').innerText(), /^This session was signed/);
      await other.record('signed-out-elsewhere');
      assert.deepEqual(other.serverErrors, []);
    } finally {
      await elsewhere.close();
    }

    // Turning two-factor off, once the password confirmation is more than 10 minutes old:
    // the password again, then a code; a backup code of the old set no longer counts.
    clock.advance(11 * 60_000);
    clock.nextTimeStep();
    await walk.follow(walk.link('Turn off Two-Factor Authentication'));
    assert.equal(
      pathOf(page),
      '/security/confirm-password?next=%2Fsecurity%2Ftwo-factor%2Fdisable',
    );
    await walk.field('Current password').fill(ada.password);
    await walk.follow(walk.button('Confirm'));
    assert.equal(await walk.heading('Turn off Two-Factor Authentication').isVisible(), true);
    await walk.record('turn-off-window');
    const turnOffCode = walk.field('Authentication code or backup code');
    await turnOffCode.fill(backupCodes[1] as string);
    await walk.follow(walk.button('Turn off'));
    assert.match((await walk.errorMessages()).join(), /^The code was not accepted\./);
    await walk.record('turn-off-old-code');
    await turnOffCode.fill(codeFromApp(secret, clock));
    await walk.follow(walk.button('Turn off'));
    assert.equal(pathOf(page), '/security?done=disabled');
    assert.match(await page.getByRole('status').innerText(), /now turned off/);
    assert.equal(await page.getByText('Two-Factor Authentication is not enabled.').count(), 1);
    await walk.record('two-factor-off');

    assert.deepEqual(walk.serverErrors, []);
  });

  it('axe-core finds nothing serious or critical on any page of the flow, and every field has a visible label', async function () {
    this.timeout(BROWSER_TEST_MS);
    assert.ok(walk.snapshots.length >= 20, 'the walk recorded its pages');
    const audit = await AuditWindow.open(browser, DESKTOP);
    const problems: string[] = [];

    for (const snapshot of walk.snapshots) {
      const page = await audit.show(snapshot);
      const found = [
        ...(await seriousViolations(page)),
        ...(await controlsWithoutVisibleLabel(page)),
        ...(await errorSummaryProblems(page)),
      ];
      problems.push(...found.map((problem) => `${snapshot.name}: ${problem}`));
    }

    await audit.close();
    assert.deepEqual(problems, []);
  });

  it('WCAG 1.4.10 reflow: no page of the flow scrolls sideways at 360 px or at 200% zoom', async function () {
    this.timeout(BROWSER_TEST_MS);
    const problems: string[] = [];

    for (const screen of [PHONE, ZOOM_200]) {
      const audit = await AuditWindow.open(browser, screen);
      for (const snapshot of walk.snapshots) {
        const overflow = await horizontalOverflow(await audit.show(snapshot));
        if (overflow !== null) problems.push(`${snapshot.name} on a ${screen.name}: ${overflow}`);
      }
      await audit.close();
    }

    assert.deepEqual(problems, []);
  });

  it('keyboard alone: focus follows the steps, the greeting menu opens with Enter and Space, and the windows work without a mouse, new backup codes and turning off too', async function () {
    this.timeout(BROWSER_TEST_MS);
    const grace = newPerson({ firstName: 'Grace', email: `grace.${Date.now()}@example.com` });
    const keys = await browser.newContext({
      javaScriptEnabled: false,
      baseURL: app.url,
      viewport: { width: DESKTOP.width, height: DESKTOP.height },
    });
    const tab = new BrowserCustomer(await keys.newPage(), false);
    const { page } = tab;
    const greeting = 'summary "Hello, Grace! ▾"';
    const press = async (key: string): Promise<void> => {
      const loaded = page.waitForEvent('load');
      await page.keyboard.press(key);
      await loaded;
    };

    try {
      await tab.visit('/register');
      await tabThrough(page, ['link "Client Area"', 'textbox "First name"']);
      await page.keyboard.type(grace.firstName);
      await tabThrough(page, ['textbox "Last name"']);
      await page.keyboard.type(grace.lastName);
      await tabThrough(page, ['textbox "Email address"']);
      await page.keyboard.type(grace.email);
      await tabThrough(page, ['textbox "Password"']);
      await page.keyboard.type(grace.password);
      await tabThrough(page, ['textbox "Confirm password"']);
      await page.keyboard.type(grace.password);
      await tabThrough(page, ['button "Create account"']);
      await press('Enter');
      assert.equal(pathOf(page), '/');

      // The greeting menu: Enter opens it, its links come next in the Tab order.
      await tabThrough(page, ['link "Client Area"', greeting]);
      await page.keyboard.press('Enter');
      await tabThrough(page, ['link "Client area home"', 'link "Security Settings"']);
      await press('Enter');
      assert.equal(pathOf(page), '/security');

      // Space opens and closes it too; closed, its links are out of the Tab order.
      await tabThrough(page, ['link "Client Area"', greeting]);
      await page.keyboard.press('Space');
      assert.equal(await tab.button('Sign out').isVisible(), true);
      await page.keyboard.press('Space');
      assert.equal(await tab.button('Sign out').isVisible(), false);
      await tabThrough(page, ['link "Click here to Enable"']);
      await press('Enter');

      // The window: only its own controls take focus, in the order of the steps.
      await tabThrough(page, [
        'radio "Time Based Tokens" [checked]',
        'button "Get Started"',
        'link "Cancel"',
      ]);
      await tabThrough(page, ['button "Get Started"'], 'Shift+Tab');
      await press('Space');
      assert.equal(await tab.heading('Connect your app').isVisible(), true);

      const uri = new URL(decodeQrPng(await page.screenshot({ fullPage: true })));
      await tabThrough(page, ['textbox "Enter authentication code"', 'button "Submit"']);
      await tabThrough(page, ['link "Cancel"']);
      await tabThrough(
        page,
        ['button "Submit"', 'textbox "Enter authentication code"'],
        'Shift+Tab',
      );
      const secret = uri.searchParams.get('secret') ?? '';
      await page.keyboard.type(offByOne(codeFromApp(secret, clock)));
      await press('Enter');

      // The error is read first, and its link leads straight back to the field.
      assert.match(await focused(page), /^alert/);
      await tabThrough(page, ['link "The code was not accepted."']);
      await page.keyboard.press('Enter');
      assert.match(await focused(page), /^textbox "Enter authentication code"/);
      await page.keyboard.type(codeFromApp(secret, clock));
      await press('Enter');
      assert.equal(
        await page.getByText('Two-Factor Authentication is now enabled.').isVisible(),
        true,
      );

      await tabThrough(page, ['link "Download as a text file"', 'link "Close"']);
      await press('Enter');
      assert.equal(pathOf(page), '/security?done=enabled');
      await tabThrough(page, ['link "Client Area"', greeting]);
      await tabThrough(page, [
        'button "Sign out other sessions"',
        'link "Turn off Two-Factor Authentication"',
        'link "Make new backup codes"',
      ]);
      await press('Enter');

      // Confirm your password: the field has focus as the page opens.
      assert.match(await focused(page), /^textbox "Current password"/);
      await page.keyboard.type(grace.password);
      await tabThrough(page, ['button "Confirm"']);
      await press('Enter');
      await tabThrough(page, ['button "Make new codes"', 'link "Cancel"']);
      await tabThrough(page, ['button "Make new codes"'], 'Shift+Tab');
      await press('Enter');
      assert.equal(await tab.heading('Your new backup codes').isVisible(), true);
      await tabThrough(page, ['link "Download as a text file"', 'link "Close"']);
      await press('Enter');
      assert.equal(pathOf(page), '/security');

      // Turning off, still within the password's 10 minutes: the code field has focus.
      await tabThrough(page, [
        'link "Client Area"',
        greeting,
        'link "Turn off Two-Factor Authentication"',
      ]);
      await press('Enter');
      assert.match(await focused(page), /^textbox "Authentication code or backup code"/);
      clock.nextTimeStep();
      await page.keyboard.type(codeFromApp(secret, clock));
      await tabThrough(page, ['button "Turn off"', 'link "Cancel"']);
      await tabThrough(page, ['button "Turn off"'], 'Shift+Tab');
      await press('Enter');
      assert.equal(pathOf(page), '/security?done=disabled');
      assert.deepEqual(tab.serverErrors, []);
    } finally {
      await keys.close();
    }
  });
});

/** A well-formed code that is not the right one. */
function offByOne(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}

/** How a backup code is shown: four groups of four letters and digits. */
const BACKUP_CODE_SHAPE = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/;

/** The codes listed in a section, as shown. */
async function codesIn(section: Locator): Promise<string[]> {
  return (await section.getByRole('listitem').allInnerTexts()).map((text) => text.trim());
}

/**
 * The backup codes in the window's text file. The link's data: address is the file itself, so
 * reading it is what saving it would give.
 */
async function downloadedCodes(tab: BrowserCustomer): Promise<string[]> {
  const link = tab.link('Download as a text file');
  assert.equal(await link.getAttribute('download'), 'backup-codes.txt');
  const href = (await link.getAttribute('href')) ?? '';
  assert.match(href, /^data:text\/plain;charset=utf-8,/);
  const text = decodeURIComponent(href.slice(href.indexOf(',') + 1));
  return text.split('\n').filter((line) => BACKUP_CODE_SHAPE.test(line));
}

/** A card of Security Settings, by its heading. */
function card(tab: BrowserCustomer, title: string): Locator {
  return tab.page.getByRole('region', { name: title, exact: true });
}
