import { randomBytes, randomInt } from 'node:crypto';
import type { BackupCodeRecord } from '../stores/account-store.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 16 characters of 5 bits each: 80 bits, above the 64 that NIST asks of look-up secrets. */
const CODE_LENGTH = 16;

export const BACKUP_CODE_COUNT = 10;

const WELL_FORMED = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

export interface NewBackupCodes {
  /** Shown to the customer once, then forgotten. */
  codes: string[];
  /** What the store keeps: a salted argon2id hash of each code. */
  records: BackupCodeRecord[];
}

function randomCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** ABCD-EFGH-JKMN-PQRS: groups of four, as shown on screen. */
export function formatBackupCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/**
 * Reads a code as typed: any case, with or without the spaces and dashes of the grouping,
 * and with the letters Crockford's alphabet leaves out read as the digits they look like.
 */
export function normalizeBackupCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export function isWellFormedBackupCode(code: string): boolean {
  return WELL_FORMED.test(code);
}

async function recordOf(code: string): Promise<BackupCodeRecord> {
  return { id: randomBytes(6).toString('hex'), hash: await hashPassword(code) };
}

export async function createBackupCodes(): Promise<NewBackupCodes> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, randomCode);

  return { codes, records: await Promise.all(codes.map(recordOf)) };
}

/** One code, to take the place of one just used. */
export async function createBackupCode(): Promise<{ code: string; record: BackupCodeRecord }> {
  const code = randomCode();

  return { code, record: await recordOf(code) };
}

/** The codes as a text file, one per line, to keep somewhere other than the phone. */
export function backupCodesAsText(issuer: string, email: string, codes: string[]): string {
  const lines = [
    `${issuer}: backup codes for ${email}`,
    'Each code signs you in once, instead of a code from your authenticator app.',
    '',
    ...codes.map(formatBackupCode),
    '',
  ];
  return lines.join('\n');
}

/**
 * Returns the id of the stored code that matches the typed one, or null. Each stored code is
 * a separate salted hash, so there is no index to look it up by: the hashes are tried in turn.
 */
export async function findBackupCode(
  records: BackupCodeRecord[],
  typed: string,
): Promise<string | null> {
  const code = normalizeBackupCode(typed);
  if (!isWellFormedBackupCode(code)) return null;

  for (const record of records) {
    if (await verifyPassword(record.hash, code)) return record.id;
  }
  return null;
}
