import { Router, type Response } from 'express';
import QRCode from 'qrcode';
import type { RouteContext } from '../app.js';
import { formatBackupCode } from '../auth/backup-codes.js';
import { confirmTotpEnrolment, setupFingerprint, startTotpEnrolment } from '../auth/enrolment.js';
import { disableTwoFactor } from '../auth/second-factor.js';
import { createOtpauthUri, formatKeyForDisplay } from '../auth/totp.js';
import { readCode, readPasswordOnly, type FieldErrors } from '../forms.js';
import { recordEvent } from '../http/events.js';
import { requireSignedIn } from '../http/guards.js';
import { MESSAGES } from '../messages.js';
import type { Account } from '../stores/account-store.js';
import { RECENT_ACTIVITY_LIMIT, toActivityRows, type ActivityRow } from '../security-activity.js';

type Dialog = 'enable' | 'connect' | 'enabled' | 'disable' | null;

const TIME_BASED_TOKENS = 'totp';
const ALREADY_ENABLED = '/security?done=already-enabled';

export function securityRoutes(context: RouteContext): Router {
  const { accounts, config, recorder, securityEvents, now } = context;
  const router = Router();
  router.use('/security', requireSignedIn);

  /**
   * The account's recent activity, or null when it cannot be read: the page is also where
   * two-factor is turned on and off, which must not depend on the history being readable.
   */
  async function loadActivity(account: Account): Promise<ActivityRow[] | null> {
    try {
      return toActivityRows(await securityEvents.recent(account.id, RECENT_ACTIVITY_LIMIT));
    } catch (error) {
      recorder.logger.error(
        { event: 'security_activity.not_read', accountId: account.id, err: error },
        'security activity not read',
      );
      return null;
    }
  }

  /** The Security Settings page, with one of the two-factor windows open over it. */
  async function renderSecurity(
    res: Response,
    account: Account,
    dialog: Dialog,
    options: { status?: number; errors?: FieldErrors; [local: string]: unknown } = {},
  ): Promise<void> {
    const { status = 200, ...locals } = options;
    const activity = await loadActivity(account);

    res.status(status).render('security', {
      title: 'Security Settings',
      account,
      dialog,
      notice: null,
      activity,
      ...locals,
    });
  }

  async function renderConnect(
    res: Response,
    account: Account,
    options: { status?: number; errors?: FieldErrors } = {},
  ): Promise<void> {
    const secret = (account.pendingTotp as { secret: string }).secret;
    const uri = createOtpauthUri(config.totpIssuer, account.email, secret);
    const qrDataUri = await QRCode.toDataURL(uri, {
      errorCorrectionLevel: 'M',
      margin: 2,
      width: 232,
    });

    await renderSecurity(res, account, 'connect', {
      ...options,
      qrDataUri,
      key: formatKeyForDisplay(secret),
      setup: setupFingerprint(secret),
    });
  }

  router.get('/security', async (req, res) => {
    // A notice only where it is still true: an old link must not claim what is not so.
    const enabled = Boolean(req.user?.totp);
    const done = req.query.done;
    const notice =
      (done === 'disabled' && !enabled) || (done === 'already-enabled' && enabled) ? done : null;
    await renderSecurity(res, req.user as Account, null, { notice });
  });

  router.get('/security/two-factor/enable', async (req, res) => {
    if (req.user?.totp) return res.redirect(303, '/security');
    await renderSecurity(res, req.user as Account, 'enable');
  });

  router.post('/security/two-factor/enable', async (req, res) => {
    const account = req.user as Account;
    if (account.totp) return res.redirect(303, '/security');

    if (req.body?.method !== TIME_BASED_TOKENS) {
      return renderSecurity(res, account, 'enable', {
        status: 422,
        errors: { method: 'Choose "Time Based Tokens" to continue.' },
      });
    }

    await startTotpEnrolment(accounts, account, now());
    await recordEvent(recorder, req, 'two_factor.setup_started', { accountId: account.id });
    res.redirect(303, '/security/two-factor/connect');
  });

  router.get('/security/two-factor/connect', async (req, res) => {
    const account = req.user as Account;
    if (account.totp) return res.redirect(303, '/security');
    if (account.pendingTotp === null) return res.redirect(303, '/security/two-factor/enable');

    await renderConnect(res, account);
  });

  router.post('/security/two-factor/connect', async (req, res) => {
    const account = req.user as Account;
    if (account.totp) return res.redirect(303, ALREADY_ENABLED);
    if (account.pendingTotp === null) return res.redirect(303, '/security/two-factor/enable');

    const { values, errors } = readCode(req.body, 'code', 'authentication code');
    if (errors.code) return renderConnect(res, account, { status: 422, errors });

    const setup = typeof req.body?.setup === 'string' ? req.body.setup : '';
    const result = await confirmTotpEnrolment(
      accounts,
      account,
      { code: values.code, setup },
      now(),
    );
    if (!result.ok) {
      await recordEvent(recorder, req, 'two_factor.setup_failed', {
        accountId: account.id,
        reason: result.reason,
      });
      if (result.reason === 'no-pending-secret') {
        // A second Submit of the same good code (a double click, a resent form) finds the
        // setup already done: say so rather than call it replaced.
        const current = await accounts.findById(account.id);
        if (current?.totp) return res.redirect(303, ALREADY_ENABLED);
        return renderSecurity(res, account, 'enable', {
          status: 409,
          errors: { method: MESSAGES.setupExpired },
        });
      }
      const message =
        result.reason === 'malformed' ? MESSAGES.codeMalformed : MESSAGES.codeNotAccepted;
      return renderConnect(res, account, { status: 422, errors: { code: message } });
    }

    await recordEvent(recorder, req, 'two_factor.enabled', { accountId: account.id });
    // Read again: req.user was loaded before this request turned two-factor on.
    const enabled = await accounts.findById(account.id);
    if (enabled === null) return res.redirect(303, '/login');
    await renderSecurity(res, enabled, 'enabled', {
      backupCodes: result.backupCodes.map(formatBackupCode),
    });
  });

  router.get('/security/two-factor/disable', async (req, res) => {
    if (!req.user?.totp) return res.redirect(303, '/security');
    await renderSecurity(res, req.user as Account, 'disable');
  });

  router.post('/security/two-factor/disable', async (req, res) => {
    const account = req.user as Account;
    if (!account.totp) return res.redirect(303, '/security');

    const password = readPasswordOnly(req.body, 'password');
    const code = readCode(req.body, 'code', 'authentication code or backup code');
    const errors = { ...password.errors, ...code.errors };
    if (Object.keys(errors).length > 0) {
      return renderSecurity(res, account, 'disable', { status: 422, errors });
    }

    const result = await disableTwoFactor(
      accounts,
      account,
      password.values.password,
      code.values.code,
      now(),
    );
    if (!result.ok) {
      await recordEvent(recorder, req, 'two_factor.disable_failed', {
        accountId: account.id,
        reason: result.reason,
      });
      if (result.reason === 'malformed') {
        return renderSecurity(res, account, 'disable', {
          status: 422,
          errors: { code: MESSAGES.disableCodeMalformed },
        });
      }
      const message =
        result.field === 'password' ? MESSAGES.passwordIncorrect : MESSAGES.codeNotAccepted;
      return renderSecurity(res, account, 'disable', {
        status: 401,
        errors: { [result.field]: message },
      });
    }

    await recordEvent(recorder, req, 'two_factor.disabled', { accountId: account.id });
    res.redirect(303, '/security?done=disabled');
  });

  return router;
}
