import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { readConfig, type Config } from '../../src/config.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { SealedSecret } from '../../src/stores/account-store.js';
import type { GuessingLimits } from '../../src/auth/guessing-limits.js';
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

/** A fixed key for the tests' TOTP secrets, in TOTP_ENCRYPTION_KEY's form. */
export const TEST_TOTP_KEY = `test:${Buffer.alloc(32, 7).toString('base64')}`;

/** What the store keeps for a secret, opened with the tests' key; null when nothing is kept. */
export function openStoredSecret(
  stored: { secret: SealedSecret } | null | undefined,
  accountId: string | undefined,
): string | null {
  if (!stored || accountId === undefined) return null;
  return KeyRing.parse(TEST_TOTP_KEY).open(stored.secret, accountId);
}

export function testConfig(env: Record<string, string> = {}): Config {
  return readConfig({
    SESSION_SECRET: 'test-secret-that-is-at-least-32-characters',
    TOTP_ENCRYPTION_KEY: TEST_TOTP_KEY,
    ...env,
  });
}

/** The app on these stores; a test that reads the log lines passes its own logger. */
export function buildApp(
  stores: OpenedStores,
  clock: TestClock,
  config: Config = testConfig(),
  extras: { logger?: Logger; guessingLimits?: GuessingLimits } = {},
): Express {
  return createApp({
    config,
    accounts: stores.accounts,
    sessionStore: stores.sessionStore,
    guessingLimits: extras.guessingLimits ?? stores.guessingLimits(),
    securityEvents: stores.securityEvents,
    logger: extras.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    now: clock.now,
    totpKeys: config.totpKeys ?? KeyRing.parse(TEST_TOTP_KEY),
  });
}
