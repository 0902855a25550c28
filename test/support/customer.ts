import type { Express } from 'express';
import request from 'supertest';
import { alerts, fieldLabelled, findForm, findLink, textOf } from './html.js';

export interface Page {
  status: number;
  /** Path and query of the page finally shown, after redirects. */
  path: string;
  html: string;
  headers: Record<string, string | string[] | undefined>;
}

const MAX_REDIRECTS = 10;

/**
 * A customer's browser, without JavaScript: it keeps cookies, follows redirects, clicks links
 * and presses buttons by their visible text, and fills fields by their labels.
 */
export class Customer {
  readonly agent: ReturnType<typeof request.agent>;
  page: Page = { status: 0, path: '/', html: '', headers: {} };
  /** The latest session cookie value the server set, to check that ids change. */
  sessionCookie: string | null = null;

  constructor(
    /** The app in this process, or the address of a server process. */
    app: Express | string,
    private readonly cookieName = 'sid',
  ) {
    this.agent = request.agent(app);
  }

  private remember(res: request.Response): void {
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    for (const cookie of cookies) {
      if (cookie.startsWith(`${this.cookieName}=`)) {
        this.sessionCookie = cookie.split(';')[0]?.slice(this.cookieName.length + 1) ?? null;
      }
    }
  }

  private async follow(first: request.Response, firstPath: string): Promise<Page> {
    let res = first;
    let path = firstPath;
    this.remember(res);

    for (let hops = 0; res.status >= 300 && res.status < 400; hops += 1) {
      if (hops === MAX_REDIRECTS) throw new Error(`Too many redirects from ${firstPath}`);
      path = res.headers.location as string;
      res = await this.agent.get(path);
      this.remember(res);
    }

    this.page = { status: res.status, path, html: res.text, headers: res.headers };
    return this.page;
  }

  async visit(path: string): Promise<Page> {
    return this.follow(await this.agent.get(path), path);
  }

  async clickLink(text: string): Promise<Page> {
    return this.visit(findLink(this.page.html, text));
  }

  /**
   * Fills the fields named by their labels and presses the button; the form's other fields
   * (the CSRF token, a checked radio) go as the page rendered them.
   */
  async press(buttonLabel: string, fieldsByLabel: Record<string, string> = {}): Promise<Page> {
    const form = findForm(this.page.html, buttonLabel);
    const fields = { ...form.fields };

    for (const [label, value] of Object.entries(fieldsByLabel)) {
      fields[fieldLabelled(this.page.html, label).name] = value;
    }

    const action = form.action || this.page.path;
    const res = await this.agent.post(action).type('form').send(fields);
    return this.follow(res, action);
  }

  /** Posts exactly these fields (plus the page's CSRF token) to test what a form never sends. */
  async postRaw(path: string, body: string): Promise<Page> {
    const res = await this.agent.post(path).type('form').send(body);
    return this.follow(res, path);
  }

  csrfToken(): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(this.page.html);
    if (!match?.[1]) throw new Error(`No CSRF token on ${this.page.path}`);
    return match[1];
  }

  text(selector?: string): string {
    return textOf(this.page.html, selector);
  }

  errors(): string[] {
    return alerts(this.page.html);
  }
}
