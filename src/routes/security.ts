import { Router, type Response } from 'express';
import QRCode from 'qrcode';
import type { RouteContext } from '../app.js';
import {
  confirmTotpEnrolment,
  openPendingSecret,
  setupFingerprint,
  startTotpEnrolment,
} from '../auth/enrolment.js';
import { checkSecondFactorWithinLimits, type LimitedCodeCheck } from '../auth/limited-checks.js';
import { verifyEitherCode } from '../auth/second-factor.js';
import {
  createOtpauthUri,
  formatKeyForDisplay,
  isWellFormedTotpCode,
  normalizeCodeInput,
  type CodeWindow,
} from '../auth/totp.js';
import { readCode, type FieldErrors } from '../forms.js';
import { recordEvent } from '../http/events.js';
import { pausedFor, withTriesLeft } from '../http/guess-responses.js';
import { requireSignedIn } from '../http/guards.js';
import { requireRecentPassword, requireRecentPasswordOrSignIn } from '../http/reauthentication.js';
import { backupCodeLocals, noticeFor, securityPageRenderer } from './security-page.js';
import { MESSAGES } from '../messages.js';
import type { Account } from '../stores/account-store.js';

const TIME_BASED_TOKENS = 'totp';
const ALREADY_ENABLED = '/security?done=already-enabled';

export function securityRoutes(context: RouteContext): Router {
  const { accounts, config, recorder, now, totpKeys, guessingLimits } = context;
  const renderSecurity = securityPageRenderer(context);
  const router = Router();
  const recentPassword = requireRecentPassword(config.reauthWindowMs, now);
  const recentSignIn = requireRecentPasswordOrSignIn(config.reauthWindowMs, now);
  const codeWindow = (): CodeWindow => ({ at: now(), pastSteps: config.totpPastSteps });
  router.use('/security', requireSignedIn);

  async function renderConnect(
    res: Response,
    account: Account,
    options: { status?: number; errors?: FieldErrors } = {},
  ): Promise<void> {
    const secret = openPendingSecret(totpKeys, account) as string;
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

  /** Why a code did not turn two-factor off, as a status and the words for the field. */
  function refusalOfDisable(
    res: Response,
    check: Exclude<LimitedCodeCheck, { ok: true }>,
  ): [number, string] {
    switch (check.reason) {
      case 'paused':
        return [429, pausedFor(res, check.retryAfterSeconds)];
      case 'locked':
        return [403, MESSAGES.appCodesLocked];
      case 'malformed':
        return [422, MESSAGES.disableCodeMalformed];
      case 'replayed':
        return [401, MESSAGES.codeReplayed];
      case 'wrong':
        return [401, withTriesLeft(guessingLimits, MESSAGES.codeNotAccepted, check)];
      default:
        return [401, MESSAGES.codeNotAccepted];
    }
  }

  router.get('/security', async (req, res) => {
    const account = req.user as Account;
    await renderSecurity(res, account, null, { notice: noticeFor(req.query.done, account) });
  });

  router.get('/security/two-factor/enable', recentSignIn, async (req, res) => {
    if (req.user?.totp) return res.redirect(303, '/security');
    await renderSecurity(res, req.user as Account, 'enable');
  });

  router.post('/security/two-factor/enable', recentSignIn, async (req, res) => {
    const account = req.user as Account;
    if (account.totp) return res.redirect(303, '/security');

    if (req.body?.method !== TIME_BASED_TOKENS) {
      return renderSecurity(res, account, 'enable', {
        status: 422,
        errors: { method: 'Choose "Time Based Tokens" to continue.' },
      });
    }

    await startTotpEnrolment(accounts, totpKeys, account, now());
    await recordEvent(recorder, req, 'two_factor.setup_started', { accountId: account.id });
    res.redirect(303, '/security/two-factor/connect');
  });

  router.get('/security/two-factor/connect', recentSignIn, async (req, res) => {
    const account = req.user as Account;
    if (account.totp) return res.redirect(303, '/security');
    if (account.pendingTotp === null) return res.redirect(303, '/security/two-factor/enable');

    await renderConnect(res, account);
  });

  router.post('/security/two-factor/connect', recentSignIn, async (req, res) => {
    const account = req.user as Account;
    if (account.totp) return res.redirect(303, ALREADY_ENABLED);
    if (account.pendingTotp === null) return res.redirect(303, '/security/two-factor/enable');

    const { values, errors } = readCode(req.body, 'code', 'authentication code');
    if (errors.code) return renderConnect(res, account, { status: 422, errors });

    const setup = typeof req.body?.setup === 'string' ? req.body.setup : '';
    const result = await confirmTotpEnrolment(
      accounts,
      totpKeys,
      account,
      { code: values.code, setup },
      codeWindow(),
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
    await renderSecurity(
      res,
      enabled,
      'enabled',
      backupCodeLocals(config.totpIssuer, enabled, result.backupCodes),
    );
  });

  router.get('/security/two-factor/disable', recentPassword, async (req, res) => {
    if (!req.user?.totp) return res.redirect(303, '/security');
    await renderSecurity(res, req.user as Account, 'disable');
  });

  router.post('/security/two-factor/disable', recentPassword, async (req, res) => {
    const account = req.user as Account;
    if (!account.totp) return res.redirect(303, '/security');

    const { values, errors } = readCode(req.body, 'code', 'authentication code or backup code');
    if (errors.code) return renderSecurity(res, account, 'disable', { status: 422, errors });

    const check = await checkSecondFactorWithinLimits(
      { accounts, limits: guessingLimits },
      account,
      isWellFormedTotpCode(normalizeCodeInput(values.code)) ? 'totp' : 'backup-code',
      () => verifyEitherCode(accounts, totpKeys, account, values.code, codeWindow()),
    );
    if (!check.ok) {
      await recordEvent(recorder, req, 'two_factor.disable_failed', {
        accountId: account.id,
        reason: check.reason,
      });
      const [status, message] = refusalOfDisable(res, check);
      return renderSecurity(res, account, 'disable', { status, errors: { code: message } });
    }

    await accounts.disableTotp(account.id);
    await recordEvent(recorder, req, 'two_factor.disabled', { accountId: account.id });
    res.redirect(303, '/security?done=disabled');
  });

  return router;
}
