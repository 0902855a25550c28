import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { readConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { OpenedStores } from './stores.js';

/**
 * The server clock under the test's control, so a test can step to the next 30-second code
 * or past the five-minute limit without waiting.
 */
export class TestClock {
  ms: number;

  constructor(startMs: number = Date.now()) {
    // Start one second into a time step, so "the next code" is always one step away.
    this.ms = Math.floor(startMs / 30_000) * 30_000 + 1_000;
  }

  now = (): Date => new Date(this.ms);

  advance(ms: number): void {
    this.ms += ms;
  }

  /** Moves to one second into the next 30-second time step. */
  nextTimeStep(): void {
    this.ms = Math.floor(this.ms / 30_000) * 30_000 + 31_000;
  }
}

export function testConfig(env: Record<string, string> = {}): Config {
  return readConfig({ SESSION_SECRET: 'test-secret-that-is-at-least-32-characters', ...env });
}

/** The app on these stores; a test that reads the log lines passes its own logger. */
export function buildApp(
  stores: OpenedStores,
  clock: TestClock,
  config: Config = testConfig(),
  logger: Logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
): Express {
  return createApp({
    config,
    accounts: stores.accounts,
    sessionStore: stores.sessionStore,
    securityEvents: stores.securityEvents,
    logger,
    now: clock.now,
  });
}
