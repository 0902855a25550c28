import { Router } from 'express';
import type { RouteContext } from '../app.js';
import { renewBackupCodes } from '../auth/second-factor.js';
import { recordEvent } from '../http/events.js';
import { requireSignedIn } from '../http/guards.js';
import { requireRecentPassword } from '../http/reauthentication.js';
import type { Account } from '../stores/account-store.js';
import { backupCodeLocals, securityPageRenderer } from './security-page.js';

const PATH = '/security/backup-codes/new';

/** A new set of backup codes, behind the sudo window; the new codes are shown once. */
export function backupCodeRoutes(context: RouteContext): Router {
  const { accounts, config, recorder, now } = context;
  const renderSecurity = securityPageRenderer(context);
  const router = Router();
  const guards = [requireSignedIn, requireRecentPassword(config.reauthWindowMs, now)];

  router.get(PATH, ...guards, async (req, res) => {
    const account = req.user as Account;
    if (!account.totp) return res.redirect(303, '/security');

    await renderSecurity(res, account, 'renew');
  });

  router.post(PATH, ...guards, async (req, res) => {
    const account = req.user as Account;
    if (!account.totp) return res.redirect(303, '/security');

    const codes = await renewBackupCodes(accounts, account);
    if (codes === null) return res.redirect(303, '/security');

    await recordEvent(recorder, req, 'backup_codes.renewed', {
      accountId: account.id,
      remaining: codes.length,
    });
    const renewed = (await accounts.findById(account.id)) ?? account;
    await renderSecurity(
      res,
      renewed,
      'codes',
      backupCodeLocals(config.totpIssuer, renewed, codes),
    );
  });

  return router;
}
