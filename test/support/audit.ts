/**
 * Checks of a page as the browser drew it: axe-core's accessibility rules, visible labels,
 * error summaries tied to their fields, and no sideways scrolling.
 *
 * The pages carry no script and their CSP forbids it, so axe cannot run in the JavaScript-off
 * context the walk uses. Each page is therefore recorded as the walk saw it (its URL and DOM)
 * and shown again, unchanged, in a separate context that may run script for the audit only:
 * the page's own URL answers with the recorded DOM, and its stylesheet and images come from
 * the running server as before.
 */
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');

/** One page of the flow as the customer saw it. */
export interface Snapshot {
  name: string;
  url: string;
  html: string;
}

export interface Screen {
  name: string;
  width: number;
  height: number;
  deviceScaleFactor: number;
}

export const DESKTOP: Screen = { name: 'desktop', width: 1000, height: 760, deviceScaleFactor: 1 };
export const PHONE: Screen = {
  name: '360 px phone',
  width: 360,
  height: 740,
  deviceScaleFactor: 2,
};
// Browser zoom at 200% halves the CSS viewport and doubles the pixels per CSS pixel: a
// 1280 x 800 window then lays pages out in 640 x 400 CSS pixels.
export const ZOOM_200: Screen = {
  name: '1280 px at 200% zoom',
  width: 640,
  height: 400,
  deviceScaleFactor: 2,
};

/**
 * A page in a context of its own in which script may run (axe-core is loaded into every
 * document it shows), used only to show recorded pages again for the audit.
 */
export class AuditWindow {
  private current: Snapshot | null = null;

  private constructor(
    private readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(browser: Browser, screen: Screen): Promise<AuditWindow> {
    const context = await browser.newContext({
      javaScriptEnabled: true,
      bypassCSP: true,
      viewport: { width: screen.width, height: screen.height },
      deviceScaleFactor: screen.deviceScaleFactor,
    });
    await context.addInitScript({ path: AXE_SCRIPT });
    const window = new AuditWindow(context, await context.newPage());

    // The recorded page answers for its own address; everything else (the stylesheet, the
    // icon) still comes from the server.
    await window.page.route(
      (url) => url.href === window.current?.url,
      (route) =>
        route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          body: window.current?.html ?? '',
        }),
    );
    return window;
  }

  /** Shows the recorded page as the walk saw it, stylesheet and all. */
  async show(snapshot: Snapshot): Promise<Page> {
    this.current = snapshot;
    await this.page.goto(snapshot.url, { waitUntil: 'load' });

    // Were the recording not shown (say the server answered instead, with a redirect to the
    // sign-in page), the audit would pass while looking at another page.
    if ((await this.page.content()) !== snapshot.html) {
      throw new Error(`The recorded page "${snapshot.name}" could not be shown again`);
    }
    return this.page;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's serious and critical violations, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown }> } }).axe;
    return (await axe.run()).violations;
  });

  return (violations as AxeViolation[])
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => {
      const where = violation.nodes.map((node) => node.target.join(' ')).join(', ');
      return `${violation.impact}: ${violation.id} (${violation.help}) at ${where}`;
    });
}

/** Form controls a customer types into or chooses without a label they can see. */
export async function controlsWithoutVisibleLabel(page: Page): Promise<string[]> {
  const problems: string[] = [];
  const controls = page.locator('input:not([type=hidden]), select, textarea');

  for (const control of await controls.all()) {
    if (!(await control.isVisible())) continue;
    const id = await control.getAttribute('id');
    const byFor = id === null ? null : page.locator(`label[for="${id}"]`);
    const around = control.locator('xpath=ancestor::label');
    const visible =
      (byFor !== null && (await byFor.count()) === 1 && (await byFor.isVisible())) ||
      ((await around.count()) === 1 && (await around.isVisible()));
    if (!visible)
      problems.push(`${(await control.getAttribute('name')) ?? id} has no visible label`);
  }

  return problems;
}

/**
 * An error summary must come before the form's first field, and each of its links must lead
 * to a field that is marked invalid and described by the same message.
 */
export async function errorSummaryProblems(page: Page): Promise<string[]> {
  const summary = page.locator('.error-summary');
  if ((await summary.count()) === 0) return [];

  const problems: string[] = [];
  const scope = (await page.locator('dialog').count()) > 0 ? 'dialog' : 'main';
  const firstField = page.locator(`${scope} form input:not([type=hidden])`);
  const summaryBox = await summary.boundingBox();
  const fieldBox = (await firstField.count()) > 0 ? await firstField.first().boundingBox() : null;
  const before = summaryBox !== null && (fieldBox === null || summaryBox.y < fieldBox.y);
  if (!before) problems.push('the error summary is not above the form');

  for (const link of await summary.locator('a').all()) {
    const message = ((await link.textContent()) ?? '').trim();
    const target = (await link.getAttribute('href')) ?? '';
    const field = page.locator(target);
    if ((await field.count()) !== 1) {
      problems.push(`"${message}" links to ${target}, which is not one field`);
      continue;
    }
    if ((await field.getAttribute('aria-invalid')) !== 'true') {
      problems.push(`${target} is not marked aria-invalid`);
    }
    const described = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/);
    const texts = await Promise.all(
      described.filter(Boolean).map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    if (!texts.some((text) => (text ?? '').includes(message))) {
      problems.push(`${target} is not described by "${message}"`);
    }
  }

  return problems;
}

/** How far the page is wider than the screen, in CSS pixels, and what sticks out. */
export async function horizontalOverflow(page: Page): Promise<string | null> {
  const measured = await page.evaluate(() => {
    type Box = { left: number; right: number };
    type El = { getBoundingClientRect(): Box; tagName: string; className: string };
    const doc = (
      globalThis as unknown as {
        document: {
          documentElement: { scrollWidth: number; clientWidth: number };
          querySelectorAll(selector: string): El[];
        };
      }
    ).document;
    const { scrollWidth, clientWidth } = doc.documentElement;
    const wide = Array.from(doc.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > clientWidth + 0.5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
      .slice(0, 5);
    return { scrollWidth, clientWidth, wide };
  });

  if (measured.scrollWidth <= measured.clientWidth) return null;
  return (
    `${measured.scrollWidth} px wide in ${measured.clientWidth} px` +
    ` (sticking out: ${measured.wide.join(', ') || 'nothing visible'})`
  );
}
