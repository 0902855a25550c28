import { createHash } from 'node:crypto';
import type { KeyRing } from '../crypto/key-ring.js';
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
 * "Get Started": a new secret is kept in the store as pending, sealed under the current key.
 * It protects nothing until a code from it is accepted, and pressing Get Started again
 * replaces it.
 */
export async function startTotpEnrolment(
  accounts: AccountStore,
  totpKeys: KeyRing,
  account: Account,
  now: Date,
): Promise<string> {
  const secret = createTotpSecret();
  await accounts.setPendingTotp(account.id, {
    secret: totpKeys.seal(secret, account.id),
    createdAt: now,
  });
  return secret;
}

/**
 * The pending secret in the clear, for the "Connect your app" window. Throws
 * SecretUnreadableError when it does not open: no QR code is drawn from it then.
 */
export function openPendingSecret(totpKeys: KeyRing, account: Account): string | null {
  if (account.pendingTotp === null) return null;
  return totpKeys.open(account.pendingTotp.secret, account.id);
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
  totpKeys: KeyRing,
  account: Account,
  typed: { code: string; setup: string },
  window: CodeWindow,
): Promise<EnrolmentResult> {
  const pending = account.pendingTotp;
  const secret = openPendingSecret(totpKeys, account);
  if (pending === null || secret === null || setupFingerprint(secret) !== typed.setup) {
    return { ok: false, reason: 'no-pending-secret' };
  }

  const code = normalizeCodeInput(typed.code);
  if (!isWellFormedTotpCode(code)) return { ok: false, reason: 'malformed' };

  const step = await matchTotpCode(secret, code, window);
  if (step === null) return { ok: false, reason: 'wrong' };

  const { codes, records } = await createBackupCodes();
  const activation = {
    secret: pending.secret,
    acceptedStep: step,
    backupCodes: records,
    at: window.at,
  };

  // The store activates only if this same sealed secret is still pending: a second tab that
  // pressed Get Started in between has replaced it, and this confirmation must not win.
  if (!(await accounts.activateTotp(account.id, activation))) {
    return { ok: false, reason: 'no-pending-secret' };
  }
  return { ok: true, backupCodes: codes };
}
