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
  const { accounts, config, recorder, passport, now } = context;
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

  async function finishSignIn(
    req: Request,
    res: Response,
    account: Account,
    details: { method: string; returnTo: string },
  ): Promise<void> {
    const { method, returnTo } = details;

    await signIn(req, account);
    await recordEvent(recorder, req, 'sign_in.succeeded', { accountId: account.id, method });
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
      const accountId = check.reason === 'wrong-password' ? check.accountId : undefined;
      await recordEvent(recorder, req, 'sign_in.password_failed', {
        accountId,
        reason: check.reason,
      });
      return renderSignIn(res, 401, { ...page, errors: { form: MESSAGES.signInFailed } });
    }

    const { account } = check;
    if (account.totp === null) {
      return finishSignIn(req, res, account, { method: 'password', returnTo });
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
      check: (account, typed) => verifyTotpForAccount(accounts, account, typed, now()),
    },
    {
      path: '/login/backup-code',
      view: 'backup-code',
      title: 'Use a backup code',
      method: 'backup-code',
      field: 'backupCode',
      label: 'backup code',
      malformed: MESSAGES.backupCodeMalformed,
      check: (account, typed) => useBackupCode(accounts, account, typed),
    },
  ];

  for (const step of secondSteps) {
    router.get(step.path, requirePendingSecondFactor, (_req, res) => {
      res.render(step.view, { title: step.title });
    });

    router.post(step.path, requirePendingSecondFactor, async (req, res) => {
      const account = res.locals.pendingAccount as Account;
      const { values, errors } = readCode(req.body, step.field, step.label);
      const refuse = (status: number, message: string): void => {
        res
          .status(status)
          .render(step.view, { title: step.title, errors: { [step.field]: message } });
      };

      if (errors.code) return refuse(422, errors.code);

      const check = await step.check(account, values.code);
      if (!check.ok) {
        await recordEvent(recorder, req, 'sign_in.second_factor_failed', {
          accountId: account.id,
          method: step.method,
          reason: check.reason,
        });
        const malformed = check.reason === 'malformed';
        return refuse(malformed ? 422 : 401, malformed ? step.malformed : MESSAGES.codeNotAccepted);
      }

      if (check.method === 'backup-code') {
        await recordEvent(recorder, req, 'backup_code.used', {
          accountId: account.id,
          remaining: account.backupCodes.length - 1,
        });
      }
      const returnTo = req.session.pendingSecondFactor?.returnTo ?? '/';
      await finishSignIn(req, res, account, { method: check.method, returnTo });
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
