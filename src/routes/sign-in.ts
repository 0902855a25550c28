import { Router, type NextFunction, type Request, type Response } from 'express';
import type { PassportInstance, RouteContext } from '../app.js';
import { formatBackupCode } from '../auth/backup-codes.js';
import { beginSecondFactor, isSecondFactorExpired, type PasswordCheck } from '../auth/sign-in.js';
import { useBackupCode, verifyTotpForAccount, type CodeCheck } from '../auth/second-factor.js';
import {
  checkPasswordWithinLimits,
  checkSecondFactorWithinLimits,
  type LimitedCodeCheck,
} from '../auth/limited-checks.js';
import { readCode, readCredentials } from '../forms.js';
import { recordEvent } from '../http/events.js';
import { pausedFor, withTriesLeft } from '../http/guess-responses.js';
import { redirectIfSignedIn } from '../http/guards.js';
import {
  abandonPendingSecondFactor,
  endSession,
  holdPendingSecondFactor,
  safeReturnPath,
  signIn,
} from '../http/session.js';
import { MESSAGES } from '../messages.js';
import type { Account } from '../stores/account-store.js';

/** Passport's local strategy checks the password; it does not sign anyone in here. */
function authenticatePassword(
  passport: PassportInstance,
  req: Request,
  res: Response,
): Promise<PasswordCheck> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, account: Account | false, info: unknown): void => {
      if (error) return reject(error);
      if (account) return resolve({ ok: true, account });

      const failure = info as { reason?: string; accountId?: string } | undefined;
      if (failure?.reason === 'wrong-password' && failure.accountId !== undefined) {
        return resolve({ ok: false, reason: 'wrong-password', accountId: failure.accountId });
      }
      resolve({ ok: false, reason: 'unknown-email' });
    };
    passport.authenticate('local', { session: false }, callback)(req, res, reject);
  });
}

interface SecondStep {
  path: string;
  method: 'totp' | 'backup-code';
  view: string;
  title: string;
  field: string;
  label: string;
  malformed: string;
  check(account: Account, typed: string): Promise<CodeCheck>;
}

export function signInRoutes(context: RouteContext): Router {
  const { accounts, config, recorder, passport, now, totpKeys, guessingLimits } = context;
  const router = Router();

  function renderSignIn(res: Response, status: number, locals: Record<string, unknown>): void {
    res.status(status).render('login', { title: 'Sign in', next: '/', ...locals });
  }

  /** Lets through only a visitor whose password was accepted less than five minutes ago. */
  async function requirePendingSecondFactor(
    req: Request,
    res: Response,
    next: NextFunction,
  ): Promise<void> {
    if (req.user) return res.redirect(303, '/');

    const pending = req.session.pendingSecondFactor;
    if (!pending) return res.redirect(303, '/login');

    const account = await accounts.findById(pending.accountId);

    if (isSecondFactorExpired(pending, now())) {
      await abandonPendingSecondFactor(req);
      await recordEvent(recorder, req, 'sign_in.second_factor_expired', {
        accountId: pending.accountId,
      });
      // The same person typed this email five minutes ago; showing it again saves retyping.
      return renderSignIn(res, 401, {
        next: pending.returnTo,
        values: { email: account?.email ?? '' },
        errors: { form: MESSAGES.secondFactorExpired },
      });
    }

    if (account === null || account.totp === null) {
      await abandonPendingSecondFactor(req);
      return res.redirect(303, '/login');
    }

    res.locals.pendingAccount = account;
    next();
  }

  async function completeSignIn(req: Request, account: Account, method: string): Promise<void> {
    await signIn(req, account, now());
    await recordEvent(recorder, req, 'sign_in.succeeded', { accountId: account.id, method });
  }

  router.get('/login', redirectIfSignedIn, (req, res) => {
    const ended = req.query.ended;
    const notice =
      typeof ended === 'string' && Object.hasOwn(MESSAGES.sessionEnded, ended)
        ? MESSAGES.sessionEnded[ended as keyof typeof MESSAGES.sessionEnded]
        : null;
    renderSignIn(res, 200, { next: safeReturnPath(req.query.next), notice });
  });

  router.post('/login', redirectIfSignedIn, async (req, res) => {
    const returnTo = safeReturnPath(req.body?.next);
    const { values, errors } = readCredentials(req.body);
    const page = { next: returnTo, values: { email: values.email } };

    if (Object.keys(errors).length > 0) return renderSignIn(res, 422, { ...page, errors });

    const check = await checkPasswordWithinLimits(
      guessingLimits,
      { ip: req.ip ?? 'unknown', email: values.email },
      () => authenticatePassword(passport, req, res),
    );
    if (!check.ok && check.reason === 'paused') {
      if (check.wrongGuess) {
        await recordEvent(recorder, req, 'sign_in.password_failed', { reason: check.wrongGuess });
      }
      const { limit, retryAfterSeconds } = check;
      await recordEvent(recorder, req, 'sign_in.rate_limited', { limit, retryAfterSeconds });
      const message = pausedFor(res, retryAfterSeconds);
      return renderSignIn(res, 429, { ...page, errors: { form: message } });
    }
    if (!check.ok) {
      const accountId = check.reason === 'wrong-password' ? check.accountId : undefined;
      await recordEvent(recorder, req, 'sign_in.password_failed', {
        accountId,
        reason: check.reason,
      });
      const message = withTriesLeft(guessingLimits, MESSAGES.signInFailed, check);
      return renderSignIn(res, 401, { ...page, errors: { form: message } });
    }

    const { account } = check;
    if (account.totp === null) {
      await completeSignIn(req, account, 'password');
      return res.redirect(303, returnTo);
    }

    await holdPendingSecondFactor(req, beginSecondFactor(account, returnTo, now()));
    await recordEvent(recorder, req, 'sign_in.second_factor_required', { accountId: account.id });
    res.redirect(303, '/login/code');
  });

  /** The second step's two forms: the code from the app, or one backup code instead. */
  const secondSteps: SecondStep[] = [
    {
      path: '/login/code',
      view: 'second-factor',
      title: 'Two-step verification',
      method: 'totp',
      field: 'code',
      label: 'authentication code',
      malformed: MESSAGES.codeMalformed,
      check: (account, typed) =>
        verifyTotpForAccount(accounts, totpKeys, account, typed, {
          at: now(),
          pastSteps: config.totpPastSteps,
        }),
    },
    {
      path: '/login/backup-code',
      view: 'backup-code',
      title: 'Use a backup code',
      method: 'backup-code',
      field: 'backupCode',
      label: 'backup code',
      malformed: MESSAGES.backupCodeMalformed,
      check: (account, typed) => useBackupCode(accounts, account, typed, { replace: true }),
    },
  ];

  function renderStep(res: Response, step: SecondStep, status: number, message: string): void {
    res.status(status).render(step.view, { title: step.title, errors: { [step.field]: message } });
  }

  /** Logs a refused code with why, and answers with the status and words for that reason. */
  async function refuseCode(
    req: Request,
    res: Response,
    step: SecondStep,
    account: Account,
    check: Exclude<LimitedCodeCheck, { ok: true }>,
  ): Promise<void> {
    const { method } = step;
    const accountId = account.id;
    const reason = check.wrongGuess ? 'wrong' : check.reason;

    if (check.reason === 'replayed' && method === 'totp') {
      // The right code, already used: by this customer a moment ago, or by someone who
      // watched it being typed and also has the password.
      await recordEvent(recorder, req, 'sign_in.second_factor_replayed', { accountId });
      return renderStep(res, step, 401, MESSAGES.codeReplayed);
    }
    await recordEvent(recorder, req, 'sign_in.second_factor_failed', { accountId, method, reason });
    if (check.lockedNow) {
      await recordEvent(recorder, req, 'two_factor.locked', {
        accountId,
        failures: check.failures,
      });
    }

    switch (check.reason) {
      case 'paused': {
        const { limit, retryAfterSeconds } = check;
        await recordEvent(recorder, req, 'sign_in.rate_limited', {
          accountId,
          limit,
          retryAfterSeconds,
        });
        return renderStep(res, step, 429, pausedFor(res, retryAfterSeconds));
      }
      case 'locked':
        // The form stays, but every app code is refused, a right one too.
        return renderStep(res, step, 403, MESSAGES.appCodesLocked);
      case 'malformed':
        return renderStep(res, step, 422, step.malformed);
      case 'wrong':
        return renderStep(
          res,
          step,
          401,
          withTriesLeft(guessingLimits, MESSAGES.codeNotAccepted, check),
        );
      default:
        return renderStep(res, step, 401, MESSAGES.codeNotAccepted);
    }
  }

  for (const step of secondSteps) {
    router.get(step.path, requirePendingSecondFactor, async (_req, res) => {
      const account = res.locals.pendingAccount as Account;
      const failures = await accounts.countSecondFactorFailures(account.id);

      // App codes locked: say so before the customer types one, and point to backup codes.
      const locked =
        step.method === 'totp' && failures >= guessingLimits.settings.secondFactorLockAfter;
      const errors = locked ? { form: MESSAGES.appCodesLocked } : {};
      res.render(step.view, { title: step.title, errors });
    });

    router.post(step.path, requirePendingSecondFactor, async (req, res) => {
      const account = res.locals.pendingAccount as Account;
      const { values, errors } = readCode(req.body, step.field, step.label);
      if (errors.code) return renderStep(res, step, 422, errors.code);

      const check = await checkSecondFactorWithinLimits(
        { accounts, limits: guessingLimits },
        account,
        step.method,
        () => step.check(account, values.code),
      );
      if (!check.ok) return refuseCode(req, res, step, account, check);

      const returnTo = req.session.pendingSecondFactor?.returnTo ?? '/';
      if (check.method === 'totp') {
        await completeSignIn(req, account, check.method);
        return res.redirect(303, returnTo);
      }

      const remaining = account.backupCodes.length - (check.replacement === null ? 1 : 0);
      await recordEvent(recorder, req, 'backup_code.used', { accountId: account.id, remaining });
      await completeSignIn(req, account, check.method);

      // Shown here, once, and kept nowhere: the store has only its hash.
      res.render('backup-code-replaced', {
        title: 'New backup code',
        account,
        replacement: check.replacement === null ? null : formatBackupCode(check.replacement),
        remaining,
        returnTo,
      });
    });
  }

  router.post('/logout', async (req, res) => {
    const accountId = req.user?.id;

    await endSession(req);
    res.clearCookie(config.sessionCookieName, { path: '/' });
    await recordEvent(recorder, req, 'sign_out', { accountId });
    res.redirect(303, '/login');
  });

  return router;
}
