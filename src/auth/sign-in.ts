import type { Account, AccountStore } from '../stores/account-store.js';
import { normalizeEmail } from '../forms.js';
import { happenedWithin } from '../time-window.js';
import { verifyAgainstDummyHash, verifyPassword } from './passwords.js';

export type PasswordCheck =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown-email' }
  | { ok: false; reason: 'wrong-password'; accountId: string };

/** The password step. The reason is for the log only; customers see one message for both. */
export async function checkPassword(
  accounts: AccountStore,
  email: string,
  password: string,
): Promise<PasswordCheck> {
  const account = await accounts.findByEmail(normalizeEmail(email));

  if (account === null) {
    await verifyAgainstDummyHash(password);
    return { ok: false, reason: 'unknown-email' };
  }

  if (!(await verifyPassword(account.passwordHash, password))) {
    return { ok: false, reason: 'wrong-password', accountId: account.id };
  }
  return { ok: true, account };
}

/** The pending second factor: who passed the password step, and when. Nothing secret. */
export interface PendingSecondFactor {
  accountId: string;
  passwordVerifiedAt: number;
  returnTo: string;
}

export const PENDING_SECOND_FACTOR_LIFETIME_MS = 5 * 60 * 1000;

export function beginSecondFactor(
  account: Account,
  returnTo: string,
  now: Date,
): PendingSecondFactor {
  return { accountId: account.id, passwordVerifiedAt: now.getTime(), returnTo };
}

export function isSecondFactorExpired(pending: PendingSecondFactor, now: Date): boolean {
  return !happenedWithin(pending.passwordVerifiedAt, PENDING_SECOND_FACTOR_LIFETIME_MS, now);
}
