import { Router, type Response } from 'express';
import type { RouteContext } from '../app.js';
import { checkPasswordWithinLimits } from '../auth/limited-checks.js';
import { confirmPassword } from '../auth/second-factor.js';
import { readPasswordOnly, type FieldErrors } from '../forms.js';
import { recordEvent } from '../http/events.js';
import { pausedFor, withTriesLeft } from '../http/guess-responses.js';
import { requireSignedIn } from '../http/guards.js';
import {
  CONFIRM_PASSWORD_PATH,
  SENSITIVE_CHANGES,
  sensitiveChangeAfterConfirming,
} from '../http/reauthentication.js';
import { confirmPasswordInSession } from '../http/session.js';
import { MESSAGES } from '../messages.js';
import type { Account } from '../stores/account-store.js';

/** "Confirm your password": opens the sudo window before a sensitive change. */
export function confirmPasswordRoutes(context: RouteContext): Router {
  const { config, recorder, now, guessingLimits } = context;
  const router = Router();
  const minutes = Math.round(config.reauthWindowMs / 60_000);

  function render(res: Response, next: string, status = 200, errors: FieldErrors = {}): void {
    res.status(status).render('confirm-password', {
      title: 'Confirm your password',
      next,
      purpose: SENSITIVE_CHANGES[next],
      minutes,
      errors,
    });
  }

  router.get(CONFIRM_PASSWORD_PATH, requireSignedIn, (req, res) => {
    const next = sensitiveChangeAfterConfirming(req.query.next);
    if (next === null) return res.redirect(303, '/security');
    render(res, next);
  });

  router.post(CONFIRM_PASSWORD_PATH, requireSignedIn, async (req, res) => {
    const account = req.user as Account;
    const next = sensitiveChangeAfterConfirming(req.body?.next);
    if (next === null) return res.redirect(303, '/security');

    const { values, errors } = readPasswordOnly(req.body, 'password');
    if (errors.password) return render(res, next, 422, errors);

    // The same limits as the sign-in page: a session left open must not become a way to
    // guess the password without them.
    const check = await checkPasswordWithinLimits(
      guessingLimits,
      { ip: req.ip ?? 'unknown', email: account.email },
      async () =>
        (await confirmPassword(account, values.password))
          ? { ok: true, account }
          : { ok: false, reason: 'wrong-password', accountId: account.id },
    );
    if (!check.ok && check.reason === 'paused') {
      const { limit, retryAfterSeconds } = check;
      await recordEvent(recorder, req, 'reauth.rate_limited', { accountId: account.id, limit });
      return render(res, next, 429, { password: pausedFor(res, retryAfterSeconds) });
    }
    if (!check.ok) {
      await recordEvent(recorder, req, 'reauth.failed', { accountId: account.id });
      const message = withTriesLeft(guessingLimits, MESSAGES.passwordIncorrect, check);
      return render(res, next, 401, { password: message });
    }

    await confirmPasswordInSession(req, now());
    await recordEvent(recorder, req, 'reauth.succeeded', { accountId: account.id });
    res.redirect(303, next);
  });

  return router;
}
