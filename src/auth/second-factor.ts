import type { KeyRing } from '../crypto/key-ring.js';
import type { Account, AccountStore } from '../stores/account-store.js';
import {
  createBackupCode,
  createBackupCodes,
  findBackupCode,
  isWellFormedBackupCode,
  normalizeBackupCode,
} from './backup-codes.js';
import {
  isWellFormedTotpCode,
  matchTotpCode,
  normalizeCodeInput,
  type CodeWindow,
} from './totp.js';
import { verifyPassword } from './passwords.js';

export type CodeCheck =
  | { ok: true; method: 'totp' }
  | { ok: true; method: 'backup-code'; replacement: string | null }
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
  window: CodeWindow,
): Promise<CodeCheck> {
  if (account.totp === null) return { ok: false, reason: 'not-enabled' };

  const code = normalizeCodeInput(typed);
  if (!isWellFormedTotpCode(code)) return { ok: false, reason: 'malformed' };

  const secret = totpKeys.open(account.totp.secret, account.id);
  const step = await matchTotpCode(secret, code, window);
  if (step === null) return { ok: false, reason: 'wrong' };

  const recorded = await accounts.recordTotpStep(account.id, step, window.pastSteps);
  if (!recorded) return { ok: false, reason: 'replayed' };
  return { ok: true, method: 'totp' };
}

/**
 * Accepts one backup code and removes it, so it never works again. With `replace`, a new code
 * takes its place in the set, so signing in with backup codes never runs the set down; the
 * caller shows it once.
 */
export async function useBackupCode(
  accounts: AccountStore,
  account: Account,
  typed: string,
  options: { replace: boolean },
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
  if (!options.replace) return { ok: true, method: 'backup-code', replacement: null };

  const { code, record } = await createBackupCode();
  const added = await accounts.addBackupCode(account.id, record);
  return { ok: true, method: 'backup-code', replacement: added ? code : null };
}

/** Either kind of second factor in one field, as on the turn-off form. */
export async function verifyEitherCode(
  accounts: AccountStore,
  totpKeys: KeyRing,
  account: Account,
  typed: string,
  window: CodeWindow,
): Promise<CodeCheck> {
  if (isWellFormedTotpCode(normalizeCodeInput(typed))) {
    return verifyTotpForAccount(accounts, totpKeys, account, typed, window);
  }
  return useBackupCode(accounts, account, typed, { replace: false });
}

/** A new set of backup codes; every code of the old set stops working. */
export async function renewBackupCodes(
  accounts: AccountStore,
  account: Account,
): Promise<string[] | null> {
  const { codes, records } = await createBackupCodes();

  if (!(await accounts.replaceBackupCodes(account.id, records))) return null;
  return codes;
}

/** The re-typed password that opens the sudo window. */
export function confirmPassword(account: Account, password: string): Promise<boolean> {
  return verifyPassword(account.passwordHash, password);
}
