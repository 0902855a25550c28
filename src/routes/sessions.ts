import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { RouteContext } from '../app.js';
import { recordEvent } from '../http/events.js';
import { requireSignedIn } from '../http/guards.js';
import { keepThisSession } from '../http/session.js';
import type { Account } from '../stores/account-store.js';

/**
 * "Sign out other sessions": every other session of the account ends at its next request,
 * wherever it is kept, because the account itself now says which sessions are still good.
 */
export function sessionRoutes({ accounts, recorder }: RouteContext): Router {
  const router = Router();

  router.post('/security/sessions/end-others', requireSignedIn, async (req, res) => {
    const account = req.user as Account;
    const generation = randomBytes(12).toString('base64url');

    await keepThisSession(req, generation);
    await accounts.setSessionGeneration(account.id, generation);
    await recordEvent(recorder, req, 'sessions.ended_others', { accountId: account.id });
    res.redirect(303, '/security?done=sessions-ended');
  });

  return router;
}
