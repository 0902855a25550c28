import { generateSecret, verify } from 'otplib';

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_IN_SECONDS = 30;

/**
 * When a code is checked, by the server clock only, and how many time steps before the
 * current one still count (clock skew on the phone, the time it takes to type).
 */
export interface CodeWindow {
  at: Date;
  pastSteps: number;
}

/** 20 random bytes (160 bits, RFC 4226's recommended length) from the CSPRNG, in base32. */
export function createTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/**
 * The Key URI that authenticator apps read from the QR code. Built here rather than with
 * otplib's generateURI, which leaves colons in the issuer unescaped (an issuer such as
 * "Acme: Hosting" would then split the label in the wrong place) and omits the algorithm,
 * digits and period that some apps need spelled out.
 */
export function createOtpauthUri(issuer: string, accountName: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    `secret=${secret}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_IN_SECONDS}`,
  ].join('&');

  return `otpauth://totp/${label}?${query}`;
}

/** The key in groups of four, as people type it into an app by hand. */
export function formatKeyForDisplay(secret: string): string {
  return (
    secret
      .replace(/=+$/, '')
      .match(/.{1,4}/g)
      ?.join(' ') ?? ''
  );
}

/**
 * Reads a code as people type or paste it: without the spaces and dashes inside and around
 * it, and with digits from other scripts (a full-width keyboard, Arabic-Indic numerals) read
 * as the ASCII digits they are.
 */
export function normalizeCodeInput(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0))
    .replace(/[\s-]+/g, '');
}

export function isWellFormedTotpCode(code: string): boolean {
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code);
}

export function timeStepAt(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_IN_SECONDS);
}

/**
 * Checks a code against the current time step and the window's past ones; never a future
 * step. Returns the matching time step, so the caller can refuse that step from then on, or
 * null.
 */
export async function matchTotpCode(
  secret: string,
  code: string,
  window: CodeWindow,
): Promise<number | null> {
  if (!isWellFormedTotpCode(code)) return null;

  const { at, pastSteps } = window;
  try {
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(at.getTime() / 1000),
      epochTolerance: [pastSteps * TOTP_PERIOD_IN_SECONDS, 0],
    });
    // delta is how many steps from now the matching code was: 0 or negative here.
    return result.valid ? timeStepAt(at) + result.delta : null;
  } catch {
    // otplib throws on input it cannot check; an unchecked code is a refused code.
    return null;
  }
}
