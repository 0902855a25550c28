import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { KeyRing, KeyRingFormatError } from './crypto/key-ring.js';

/**
 * Everything the client area reads from its environment, checked once at start-up.
 * Nothing else in the code reads process.env, so this file is the whole list.
 */
export interface Config {
  production: boolean;
  port: number;
  host: string;
  sessionSecret: string;
  sessionSecretGenerated: boolean;
  /** __Host- in production: the browser then insists on Secure, this host only and path /. */
  sessionCookieName: string;
  mongodbUri: string | null;
  redisUrl: string | null;
  dataDir: string;
  totpIssuer: string;
  trustProxy: number;
  logLevel: string;
  /** How many time steps before the current one still accept a code (0 = current only). */
  totpPastSteps: number;
  /** A signed-in session unused this long is over. */
  sessionIdleMs: number;
  /** A signed-in session is over this long after sign-in, however busy. */
  sessionAbsoluteMs: number;
  /** How long a re-typed password unlocks the sensitive changes on Security Settings. */
  reauthWindowMs: number;
  /**
   * The keys that seal TOTP secrets, from TOTP_ENCRYPTION_KEY. Null only outside production,
   * where the server start-up uses a key generated once into DATA_DIR instead.
   */
  totpKeys: KeyRing | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const REQUIRED_IN_PRODUCTION = [
  'SESSION_SECRET',
  'MONGODB_URI',
  'REDIS_URL',
  'TOTP_ENCRYPTION_KEY',
] as const;
const MIN_SESSION_SECRET_LENGTH = 32;
const MAX_ISSUER_LENGTH = 64;

function readText(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function readPort(env: Env): number {
  const text = readText(env, 'PORT') ?? '3000';
  const port = Number(text);

  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, not "${text}".`);
  }
  return port;
}

function readTrustProxy(env: Env, production: boolean): number {
  // Behind the PaaS router exactly one proxy adds X-Forwarded-For; trusting more would let a
  // client choose its own IP address.
  const text = readText(env, 'TRUST_PROXY') ?? (production ? '1' : '0');
  const hops = Number(text);

  if (!Number.isInteger(hops) || hops < 0 || hops > 10) {
    throw new ConfigError(
      `TRUST_PROXY must be the number of proxies in front (0-10), not "${text}".`,
    );
  }
  return hops;
}

function readIssuer(env: Env): string {
  const issuer = readText(env, 'TOTP_ISSUER') ?? 'Client Area';

  if (issuer.length > MAX_ISSUER_LENGTH) {
    throw new ConfigError(`TOTP_ISSUER must be at most ${MAX_ISSUER_LENGTH} characters.`);
  }
  return issuer;
}

function readUrl(env: Env, name: string, schemes: string[]): string | null {
  const value = readText(env, name);
  if (value === null) return null;

  let scheme: string;
  try {
    scheme = new URL(value).protocol;
  } catch {
    throw new ConfigError(`${name} is not a valid URL.`);
  }
  if (!schemes.includes(scheme)) {
    throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}.`);
  }
  return value;
}

/** A whole number from the environment within [min, max], or the default when unset. */
function readWholeNumber(
  env: Env,
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  const text = readText(env, name);
  if (text === null) return range.fallback;

  const value = Number(text);
  if (!/^\d+$/.test(text) || value < range.min || value > range.max) {
    throw new ConfigError(
      `${name} must be a whole number from ${range.min} to ${range.max}, not "${text}".`,
    );
  }
  return value;
}

const MINUTE_MS = 60 * 1000;

function readTotpKeys(env: Env): KeyRing | null {
  const text = readText(env, 'TOTP_ENCRYPTION_KEY');
  if (text === null) return null;

  try {
    return KeyRing.parse(text);
  } catch (error) {
    if (!(error instanceof KeyRingFormatError)) throw error;
    // The message says which entry is wrong and never repeats the value: it is key material.
    throw new ConfigError(
      `TOTP_ENCRYPTION_KEY must be keyId:base64key entries separated by commas; ${error.message}`,
    );
  }
}

/** Reads and checks the configuration; throws ConfigError naming what is wrong or missing. */
export function readConfig(env: Env, cwd: string = process.cwd()): Config {
  const production = env.NODE_ENV === 'production';

  if (production) {
    const missing = REQUIRED_IN_PRODUCTION.filter((name) => readText(env, name) === null);
    if (missing.length > 0) {
      throw new ConfigError(
        `Missing required environment variable(s) for production: ${missing.join(', ')}.`,
      );
    }
  }

  const configuredSecret = readText(env, 'SESSION_SECRET');
  if (configuredSecret !== null && configuredSecret.length < MIN_SESSION_SECRET_LENGTH) {
    throw new ConfigError(
      `SESSION_SECRET must be at least ${MIN_SESSION_SECRET_LENGTH} characters long.`,
    );
  }

  return {
    production,
    port: readPort(env),
    host: readText(env, 'HOST') ?? (production ? '0.0.0.0' : '127.0.0.1'),
    // Outside production a missing secret is replaced per process: sessions are in process
    // memory there anyway, so nothing is lost that a restart would not lose.
    sessionSecret: configuredSecret ?? randomBytes(32).toString('hex'),
    sessionSecretGenerated: configuredSecret === null,
    sessionCookieName: production ? '__Host-sid' : 'sid',
    mongodbUri: readUrl(env, 'MONGODB_URI', ['mongodb:', 'mongodb+srv:']),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    dataDir: path.resolve(cwd, readText(env, 'DATA_DIR') ?? 'data'),
    totpIssuer: readIssuer(env),
    trustProxy: readTrustProxy(env, production),
    logLevel: readText(env, 'LOG_LEVEL') ?? 'info',
    // ASVS V6.5.5 asks for a short code lifetime: the current step and one before it covers
    // a phone clock a little behind and the time it takes to type; more is a choice to make.
    totpPastSteps: readWholeNumber(env, 'TOTP_PAST_STEPS', { min: 0, max: 4, fallback: 1 }),
    sessionIdleMs:
      readWholeNumber(env, 'SESSION_IDLE_MINUTES', { min: 1, max: 1440, fallback: 30 }) * MINUTE_MS,
    sessionAbsoluteMs:
      readWholeNumber(env, 'SESSION_MAX_HOURS', { min: 1, max: 720, fallback: 12 }) *
      60 *
      MINUTE_MS,
    reauthWindowMs:
      readWholeNumber(env, 'REAUTH_MINUTES', { min: 1, max: 60, fallback: 10 }) * MINUTE_MS,
    totpKeys: readTotpKeys(env),
  };
}
