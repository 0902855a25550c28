import { Router, type NextFunction, type Request, type Response } from 'express';
import type { PassportInstance, RouteContext } from '../app.js';
import { beginSecondFactor, isSecondFactorExpired, type PasswordCheck } from '../auth/sign-in.js';
import { useBackupCode, verifyTotpForAccount, type CodeCheck } from '../auth/second-factor.js';
import { readCode, readCredentials } from '../forms.js';
import { recordEvent } from '../http/events.js';
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

      const reason = (info as { reason?: FailedPasswordCheck['reason'] } | undefined)?.reason;
      resolve({ ok: false, reason: reason ?? 'wrong-password' });
    };
    passport.authenticate('local', { session: false }, callback)(req, res, reject);
  });
}

type FailedPasswordCheck = Exclude<PasswordCheck, { ok: true }>;

function codeFailureStatus(check: Exclude<CodeCheck, { ok: true }>): number {
  return check.reason === 'malformed' ? 422 : 401;
}

export function signInRoutes(context: RouteContext): Router {
  const { accounts, config, logger, passport, now } = context;
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

    if (isSecondFactorExpired(pending, now())) {
      await abandonPendingSecondFactor(req);
      recordEvent(logger, req, 'sign_in.second_factor_expired', { accountId: pending.accountId });
      return renderSignIn(res, 401, { errors: { form: MESSAGES.secondFactorExpired } });
    }

    const account = await accounts.findById(pending.accountId);
    if (account === null || account.totp === null) {
      await abandonPendingSecondFactor(req);
      return res.redirect(303, '/login');
    }

    res.locals.pendingAccount = account;
    next();
  }

  async function finishSignIn(
    req: Request,
    res: Response,
    account: Account,
    method: string,
  ): Promise<void> {
    const returnTo = req.session.pendingSecondFactor?.returnTo ?? '/';

    await signIn(req, account);
    recordEvent(logger, req, 'sign_in.succeeded', { accountId: account.id, method });
    res.redirect(303, returnTo);
  }

  router.get('/login', redirectIfSignedIn, (req, res) => {
    renderSignIn(res, 200, { next: safeReturnPath(req.query.next) });
  });

  router.post('/login', redirectIfSignedIn, async (req, res) => {
    const returnTo = safeReturnPath(req.body?.next);
    const { values, errors } = readCredentials(req.body);
    const page = { next: returnTo, values: { email: values.email } };

    if (Object.keys(errors).length > 0) return renderSignIn(res, 422, { ...page, errors });

    const check = await authenticatePassword(passport, req, res);
    if (!check.ok) {
      recordEvent(logger, req, 'sign_in.password_failed', { reason: check.reason });
      return renderSignIn(res, 401, { ...page, errors: { form: MESSAGES.signInFailed } });
    }

    const { account } = check;
    if (account.totp === null) return finishSignIn(req, res, account, 'password');

    await holdPendingSecondFactor(req, beginSecondFactor(account, returnTo, now()));
    recordEvent(logger, req, 'sign_in.second_factor_required', { accountId: account.id });
    res.redirect(303, '/login/code');
  });

  router.get('/login/code', requirePendingSecondFactor, (_req, res) => {
    res.render('second-factor', { title: 'Two-step verification' });
  });

  router.post('/login/code', requirePendingSecondFactor, async (req, res) => {
    const account = res.locals.pendingAccount as Account;
    const { values, errors } = readCode(req.body, 'code', 'authentication code');
    const page = { title: 'Two-step verification' };

    if (errors.code) return res.status(422).render('second-factor', { ...page, errors });

    const check = await verifyTotpForAccount(accounts, account, values.code, now());
    if (!check.ok) {
      recordEvent(logger, req, 'sign_in.second_factor_failed', {
        accountId: account.id,
        method: 'totp',
        reason: check.reason,
      });
      const message =
        check.reason === 'malformed' ? MESSAGES.codeMalformed : MESSAGES.codeNotAccepted;
      return res.status(codeFailureStatus(check)).render('second-factor', {
        ...page,
        errors: { code: message },
      });
    }

    await finishSignIn(req, res, account, 'totp');
  });

  router.get('/login/backup-code', requirePendingSecondFactor, (_req, res) => {
    res.render('backup-code', { title: 'Use a backup code' });
  });

  router.post('/login/backup-code', requirePendingSecondFactor, async (req, res) => {
    const account = res.locals.pendingAccount as Account;
    const { values, errors } = readCode(req.body, 'backupCode', 'backup code');
    const page = { title: 'Use a backup code' };

    if (errors.code) {
      return res
        .status(422)
        .render('backup-code', { ...page, errors: { backupCode: errors.code } });
    }

    const check = await useBackupCode(accounts, account, values.code);
    if (!check.ok) {
      recordEvent(logger, req, 'sign_in.second_factor_failed', {
        accountId: account.id,
        method: 'backup-code',
        reason: check.reason,
      });
      const message =
        check.reason === 'malformed' ? MESSAGES.backupCodeMalformed : MESSAGES.codeNotAccepted;
      return res.status(codeFailureStatus(check)).render('backup-code', {
        ...page,
        errors: { backupCode: message },
      });
    }

    recordEvent(logger, req, 'backup_code.used', {
      accountId: account.id,
      remaining: account.backupCodes.length - 1,
    });
    await finishSignIn(req, res, account, 'backup-code');
  });

  router.post('/logout', async (req, res) => {
    const accountId = req.user?.id;

    await endSession(req);
    res.clearCookie(config.sessionCookieName, { path: '/' });
    recordEvent(logger, req, 'sign_out', { accountId });
    res.redirect(303, '/login');
  });

  return router;
}
