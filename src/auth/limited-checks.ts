import type { Account, AccountStore } from '../stores/account-store.js';
import type { GuessingLimits, LimitName } from './guessing-limits.js';
import type { CodeCheck } from './second-factor.js';
import type { PasswordCheck } from './sign-in.js';

/** A pause in force: no guess is checked until it ends. */
export interface Pause {
  limit: LimitName;
  retryAfterSeconds: number;
}

/** Tries left before a pause of this length, after a wrong guess. */
export interface TriesLeft {
  triesLeft: number;
  pauseSeconds: number;
}

type PasswordRefusal = Exclude<PasswordCheck, { ok: true }>;
type WrongPassword = PasswordRefusal['reason'];

export type LimitedPasswordCheck =
  | { ok: true; account: Account }
  | (PasswordRefusal & TriesLeft)
  /** wrongGuess: this request's own wrong password began the pause; null when it was on. */
  | ({ ok: false; reason: 'paused'; wrongGuess: WrongPassword | null } & Pause);

/**
 * The password step within the guessing limits. The limits are looked at before the password
 * is: while paused, a right password is refused like a wrong one, so a paused attacker learns
 * nothing from going on.
 */
export async function checkPasswordWithinLimits(
  limits: GuessingLimits,
  guesser: { ip: string; email: string },
  check: () => Promise<PasswordCheck>,
): Promise<LimitedPasswordCheck> {
  const guess = await limits.guessPassword(guesser.ip, guesser.email);
  if (guess.paused) {
    const { limit, retryAfterSeconds } = guess;
    return { ok: false, reason: 'paused', wrongGuess: null, limit, retryAfterSeconds };
  }

  const result = await check();
  if (result.ok) {
    await guess.succeeded();
    return result;
  }

  const after = await guess.wrong();
  if (after.paused) {
    const { limit, retryAfterSeconds } = after;
    return { ok: false, reason: 'paused', wrongGuess: result.reason, limit, retryAfterSeconds };
  }
  return { ...result, ...after };
}

type CodeFailure = Exclude<CodeCheck, { ok: true }>['reason'];

/** What every refusal of a code also tells the log. */
interface CodeRefusal {
  ok: false;
  /** A wrong code was sent, and counted, whatever the page then says. */
  wrongGuess: boolean;
  /** This request's wrong code was the one that reached the consecutive limit. */
  lockedNow: boolean;
  /** Consecutive wrong second factors after this request. */
  failures: number;
}

export type LimitedCodeCheck =
  | Extract<CodeCheck, { ok: true }>
  | (CodeRefusal & { reason: Exclude<CodeFailure, 'wrong'> })
  | (CodeRefusal & { reason: 'wrong' } & TriesLeft)
  | (CodeRefusal & { reason: 'paused' } & Pause)
  /** App codes are refused for this account until a backup code is used. */
  | (CodeRefusal & { reason: 'locked' });

/**
 * The second step within the guessing limits and the count of consecutive failures. At the
 * limit (100, NIST SP 800-63B-4 3.2.2) every app code is refused, a right one too: six digits
 * can be guessed, given time. Backup codes still work, since each is far too long to guess,
 * and a right one starts the count again; that is the way back in, besides support.
 */
export async function checkSecondFactorWithinLimits(
  stores: { accounts: AccountStore; limits: GuessingLimits },
  account: Account,
  method: 'totp' | 'backup-code',
  check: () => Promise<CodeCheck>,
): Promise<LimitedCodeCheck> {
  const { accounts, limits } = stores;
  const lockAfter = limits.settings.secondFactorLockAfter;

  const failuresBefore = await accounts.countSecondFactorFailures(account.id);
  const lockedBefore = failuresBefore >= lockAfter;
  const unchanged = {
    ok: false,
    wrongGuess: false,
    lockedNow: false,
    failures: failuresBefore,
  } as const;
  if (lockedBefore && method === 'totp') return { ...unchanged, reason: 'locked' };

  const guess = await limits.guessSecondFactor(account.id);
  if (guess.paused) {
    const { limit, retryAfterSeconds } = guess;
    return { ...unchanged, reason: 'paused', limit, retryAfterSeconds };
  }

  const result = await check();
  if (result.ok) {
    await guess.succeeded();
    await accounts.clearSecondFactorFailures(account.id);
    return result;
  }

  // A malformed or replayed code is not a guess at the secret: it costs no try.
  if (result.reason !== 'wrong') {
    await guess.release();
    return { ...unchanged, reason: result.reason };
  }

  const after = await guess.wrong();
  // Once locked, further wrong backup codes are not stored: the count has done its work, and
  // the store stays small for an account under attack.
  const failures = lockedBefore
    ? failuresBefore
    : await accounts.recordSecondFactorFailure(account.id);
  const counted = {
    ok: false,
    wrongGuess: true,
    lockedNow: !lockedBefore && failures >= lockAfter,
    failures,
  } as const;

  if (counted.lockedNow && method === 'totp') return { ...counted, reason: 'locked' };
  if (after.paused) {
    const { limit, retryAfterSeconds } = after;
    return { ...counted, reason: 'paused', limit, retryAfterSeconds };
  }
  return { ...counted, reason: 'wrong', ...after };
}
