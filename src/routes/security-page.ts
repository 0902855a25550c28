import type { Response } from 'express';
import { backupCodesAsText, formatBackupCode } from '../auth/backup-codes.js';
import type { RouteContext } from '../app.js';
import type { FieldErrors } from '../forms.js';
import { RECENT_ACTIVITY_LIMIT, toActivityRows, type ActivityRow } from '../security-activity.js';
import type { Account } from '../stores/account-store.js';

/** The windows that open over Security Settings, each a partial named dialog-<name>. */
export type Dialog = 'enable' | 'connect' | 'enabled' | 'disable' | 'renew' | 'codes' | null;

/** What a redirect back to Security Settings may announce: ?done=<notice>. */
export type Notice = 'enabled' | 'disabled' | 'already-enabled' | 'sessions-ended';

export interface SecurityPageOptions {
  status?: number;
  errors?: FieldErrors;
  notice?: Notice | null;
  [local: string]: unknown;
}

export type RenderSecurity = (
  res: Response,
  account: Account,
  dialog: Dialog,
  options?: SecurityPageOptions,
) => Promise<void>;

/**
 * Renders the Security Settings page, with one of its windows open over it or none, and the
 * account's recent activity below.
 */
export function securityPageRenderer(
  context: Pick<RouteContext, 'securityEvents' | 'recorder'>,
): RenderSecurity {
  const { securityEvents, recorder } = context;

  // Null when the history cannot be read: the page is also where two-factor is turned on and
  // off, which must not depend on the history being readable.
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

  return async (res, account, dialog, options = {}) => {
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
  };
}

/**
 * A notice only where it is still true, so an old or hand-made link cannot claim what is not
 * so (two-factor "turned off" while it is on).
 */
export function noticeFor(done: unknown, account: Account): Notice | null {
  const enabled = account.totp !== null;

  switch (done) {
    case 'enabled':
    case 'already-enabled':
      return enabled ? done : null;
    case 'disabled':
      return enabled ? null : done;
    case 'sessions-ended':
      return done;
    default:
      return null;
  }
}

// A type, not an interface, so it fits SecurityPageOptions' index signature.
export type BackupCodeLocals = {
  backupCodes: string[];
  /** A data: address, so the file is made from the page itself and kept on no server. */
  backupCodesFile: string;
};

/** What the partial that shows new backup codes needs: the codes and their text file. */
export function backupCodeLocals(
  issuer: string,
  account: Account,
  codes: string[],
): BackupCodeLocals {
  const text = backupCodesAsText(issuer, account.email, codes);

  return {
    backupCodes: codes.map(formatBackupCode),
    backupCodesFile: `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`,
  };
}
