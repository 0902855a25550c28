/**
 * A real browser for the tests: Debian's Chromium, driven by playwright-core, kept off the
 * network, and the client area served on a loopback port for it to visit.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Installed by scripts/test.sh with apt-get when missing; Playwright never downloads one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// Everything Chromium would fetch on its own (updates, sync, field trials, QUIC probes) is
// turned off, so the only traffic is to the loopback server under test.
const OFFLINE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts headless Chromium. Playwright gives every launch a new, empty profile directory of
 * its own (it refuses a --user-data-dir flag here) and deletes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: OFFLINE_FLAGS,
    timeout: 30_000,
  });
}

export interface RunningApp {
  /** For example http://127.0.0.1:41234, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves the app on a free loopback port, as a browser needs a real address. */
export async function serve(app: Express): Promise<RunningApp> {
  const server = http.createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      // The browser keeps connections alive; without this close() would wait for them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The path and query of the page the browser shows. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}
