import { createHash } from 'node:crypto';
import type { Account, AccountStore } from '../stores/account-store.js';
import { createBackupCodes } from './backup-codes.js';
import {
  createTotpSecret,
  isWellFormedTotpCode,
  matchTotpCode,
  normalizeCodeInput,
  type CodeWindow,
} from './totp.js';

/**
 * "Get Started": a new secret is kept in the store as pending. It protects nothing until a
 * code from it is accepted, and pressing Get Started again replaces it.
 */
export async function startTotpEnrolment(
  accounts: AccountStore,
  account: Account,
  now: Date,
): Promise<string> {
  const secret = createTotpSecret();
  await accounts.setPendingTotp(account.id, { secret, createdAt: now });
  return secret;
}

/**
 * Names the pending secret a "Connect your app" window shows, without revealing it, so that a
 * code typed into a window whose secret was since replaced (Get Started pressed again in
 * another tab) is recognised as such instead of being called wrong.
 */
export function setupFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}

export type EnrolmentResult =
  | { ok: true; backupCodes: string[] }
  | { ok: false; reason: 'no-pending-secret' | 'malformed' | 'wrong' };

/**
 * "Submit": the first good code from the app proves it holds the pending secret; only then
 * does the secret become active, with a fresh set of backup codes. The step of that first
 * code counts as used, so the same code cannot also serve as the next sign-in code.
 */
export async function confirmTotpEnrolment(
  accounts: AccountStore,
  account: Account,
  typed: { code: string; setup: string },
  window: CodeWindow,
): Promise<EnrolmentResult> {
  const pending = account.pendingTotp;
  if (pending === null || setupFingerprint(pending.secret) !== typed.setup) {
    return { ok: false, reason: 'no-pending-secret' };
  }

  const code = normalizeCodeInput(typed.code);
  if (!isWellFormedTotpCode(code)) return { ok: false, reason: 'malformed' };

  const step = await matchTotpCode(pending.secret, code, window);
  if (step === null) return { ok: false, reason: 'wrong' };

  const { codes, records } = await createBackupCodes();
  const activation = {
    secret: pending.secret,
    acceptedStep: step,
    backupCodes: records,
    at: window.at,
  };

  // The store activates only if this same secret is still pending: a second tab that pressed
  // Get Started in between has replaced it, and this confirmation must not win.
  if (!(await accounts.activateTotp(account.id, activation))) {
    return { ok: false, reason: 'no-pending-secret' };
  }
  return { ok: true, backupCodes: codes };
}
