import type { KeyRing } from '../crypto/key-ring.js';
import type { Account, AccountStore } from '../stores/account-store.js';
import { findBackupCode, isWellFormedBackupCode, normalizeBackupCode } from './backup-codes.js';
import { isWellFormedTotpCode, matchTotpCode, normalizeCodeInput } from './totp.js';
import { verifyPassword } from './passwords.js';

export type CodeCheck =
  | { ok: true; method: 'totp' | 'backup-code' }
  | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' | 'not-enabled' };

/**
 * Accepts a code from the authenticator app for an account with two-factor on. A code is good
 * once: the store records its time step and refuses that step and earlier ones from then on,
 * so the same code sent twice at once, even to two processes, is accepted by only one.
 * A secret that does not open throws SecretUnreadableError: no code can pass then.
 */
export async function verifyTotpForAccount(
  accounts: AccountStore,
  totpKeys: KeyRing,
  account: Account,
  typed: string,
  now: Date,
): Promise<CodeCheck> {
  if (account.totp === null) return { ok: false, reason: 'not-enabled' };

  const code = normalizeCodeInput(typed);
  if (!isWellFormedTotpCode(code)) return { ok: false, reason: 'malformed' };

  const secret = totpKeys.open(account.totp.secret, account.id);
  const step = await matchTotpCode(secret, code, now);
  if (step === null) return { ok: false, reason: 'wrong' };

  if (!(await accounts.recordTotpStep(account.id, step))) return { ok: false, reason: 'replayed' };
  return { ok: true, method: 'totp' };
}

/** Accepts one backup code and removes it, so it never works again. */
export async function useBackupCode(
  accounts: AccountStore,
  account: Account,
  typed: string,
): Promise<CodeCheck> {
  if (account.totp === null) return { ok: false, reason: 'not-enabled' };
  if (!isWellFormedBackupCode(normalizeBackupCode(typed))) {
    return { ok: false, reason: 'malformed' };
  }

  const codeId = await findBackupCode(account.backupCodes, typed);
  if (codeId === null) return { ok: false, reason: 'wrong' };

  // Only the request whose removal succeeds may use the code; a concurrent twin loses here.
  if (!(await accounts.consumeBackupCode(account.id, codeId))) {
    return { ok: false, reason: 'replayed' };
  }
  return { ok: true, method: 'backup-code' };
}

/** Either kind of second factor in one field, as on the turn-off form. */
export async function verifyEitherCode(
  accounts: AccountStore,
  totpKeys: KeyRing,
  account: Account,
  typed: string,
  now: Date,
): Promise<CodeCheck> {
  if (isWellFormedTotpCode(normalizeCodeInput(typed))) {
    return verifyTotpForAccount(accounts, totpKeys, account, typed, now);
  }
  return useBackupCode(accounts, account, typed);
}

export type DisableResult =
  | { ok: true }
  | { ok: false; field: 'password'; reason: 'wrong-password' }
  | { ok: false; field: 'code'; reason: Exclude<CodeCheck, { ok: true }>['reason'] };

/**
 * Turning two-factor off needs the password and a current second factor, so a session left
 * open on a shared computer is not enough to remove the protection.
 */
export async function disableTwoFactor(
  accounts: AccountStore,
  totpKeys: KeyRing,
  account: Account,
  password: string,
  typedCode: string,
  now: Date,
): Promise<DisableResult> {
  if (!(await verifyPassword(account.passwordHash, password))) {
    return { ok: false, field: 'password', reason: 'wrong-password' };
  }

  const check = await verifyEitherCode(accounts, totpKeys, account, typedCode, now);
  if (!check.ok) return { ok: false, field: 'code', reason: check.reason };

  await accounts.disableTotp(account.id);
  return { ok: true };
}
