/**
 * Independent HOTP (RFC 4226) and TOTP (RFC 6238) implementation for tests.
 *
 * Tests must not compute expected codes with the library the app uses (otplib): a bug or a
 * misconfiguration shared by both sides would then pass unnoticed. This file depends on
 * node:crypto only and is itself checked against the RFC test vectors in rfc6238.test.ts.
 */
import { createHmac } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface HotpOptions {
  digits?: number;
  algorithm?: HmacAlgorithm;
}

export interface TotpOptions extends HotpOptions {
  atMs?: number;
  periodInSeconds?: number;
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// The counter is an 8-byte unsigned big-endian integer (RFC 4226 section 5.1).
const MAX_COUNTER = (1n << 64n) - 1n;

// Dynamic truncation yields a 31-bit number (at most 2147483647), so more than 10 digits
// would only ever add leading zeros.
const MAX_DIGITS = 10;

/**
 * Decodes RFC 4648 base32 as found in otpauth:// URIs and "enter this key" texts.
 * Case-insensitive; whitespace (people copy keys shown in groups) and trailing `=` are ignored.
 */
export function decodeBase32(text: string): Buffer {
  // Authenticator apps accept lowercase and grouped keys, so the tests should too.
  const compact = text.replace(/\s+/g, '').toUpperCase().replace(/=+$/, '');

  const bytes: number[] = [];
  let buffer = 0;
  let bitCount = 0;
  for (let index = 0; index < compact.length; index += 1) {
    const character = compact.charAt(index);
    const value = BASE32_ALPHABET.indexOf(character);
    // A `=` left here was not trailing padding: reject it rather than decode a wrong key.
    if (value === -1) {
      throw new Error(`Invalid base32 character ${JSON.stringify(character)} at index ${index}`);
    }

    // Keep only the bits not yet emitted so the accumulator never outgrows 32-bit maths.
    buffer = ((buffer << 5) | value) & 0x1fff;
    bitCount += 5;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes.push((buffer >>> bitCount) & 0xff);
    }
  }

  // Leftover bits (< 8) are padding by definition and carry no data.
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP value for `counter`, zero-padded to `digits` characters. */
export function hotp(key: Buffer, counter: number | bigint, options: HotpOptions = {}): string {
  const digits = options.digits ?? 6;
  const algorithm = options.algorithm ?? 'sha1';
  if (!Number.isInteger(digits) || digits < 1 || digits > MAX_DIGITS) {
    throw new RangeError(`digits must be an integer from 1 to ${MAX_DIGITS}, got ${digits}`);
  }

  // A fractional or unsafe number would silently round into another counter.
  if (typeof counter === 'number' && !Number.isSafeInteger(counter)) {
    throw new RangeError(`counter must be a safe integer, got ${counter}`);
  }
  const bigCounter = BigInt(counter);
  if (bigCounter < 0n || bigCounter > MAX_COUNTER) {
    throw new RangeError(`counter must fit in an unsigned 64-bit integer, got ${counter}`);
  }

  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(bigCounter);
  const mac = createHmac(algorithm, key).update(message).digest();

  // Dynamic truncation (RFC 4226 section 5.3): the low nibble of the last byte picks the
  // offset, and the top bit is masked so signed and unsigned readers agree.
  const offset = mac.readUInt8(mac.length - 1) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;

  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** RFC 6238 time step: number of whole periods elapsed since the Unix epoch. */
export function timeStep(atMs: number, periodInSeconds = 30): number {
  if (!Number.isFinite(atMs) || atMs < 0) {
    throw new RangeError(`atMs must be a non-negative finite number, got ${atMs}`);
  }
  if (!Number.isFinite(periodInSeconds) || periodInSeconds <= 0) {
    throw new RangeError(`periodInSeconds must be positive, got ${periodInSeconds}`);
  }

  // Dividing milliseconds by the period in milliseconds avoids the rounding error of first
  // converting to fractional seconds, which could move a boundary instant to the wrong step.
  return Math.floor(atMs / (periodInSeconds * 1000));
}

/** RFC 6238 TOTP value at `atMs` (default: now). Defaults: SHA1, 6 digits, 30 s period. */
export function totp(key: Buffer, options: TotpOptions = {}): string {
  const atMs = options.atMs ?? Date.now();
  const step = timeStep(atMs, options.periodInSeconds ?? 30);

  // Only pass what the caller set so hotp() stays the single owner of the defaults.
  const hotpOptions: HotpOptions = {};
  if (options.digits !== undefined) hotpOptions.digits = options.digits;
  if (options.algorithm !== undefined) hotpOptions.algorithm = options.algorithm;

  return hotp(key, step, hotpOptions);
}

/**
 * The code an authenticator app shows for a base32 secret (SHA1, 6 digits, 30 s), which is
 * what a test "customer" types after scanning the enrolment QR code.
 */
export function totpFromBase32(secret: string, atMs: number = Date.now()): string {
  return totp(decodeBase32(secret), { atMs });
}
