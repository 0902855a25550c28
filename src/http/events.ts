import type { Request } from 'express';
import type { Logger } from '../log.js';

/** The security events the client area reports, named for what happened. */
export type SecurityEvent =
  | 'account.registered'
  | 'sign_in.password_failed'
  | 'sign_in.second_factor_required'
  | 'sign_in.second_factor_failed'
  | 'sign_in.second_factor_replayed'
  | 'sign_in.second_factor_expired'
  | 'sign_in.succeeded'
  | 'sign_out'
  | 'session.ended'
  | 'sessions.ended_others'
  | 'reauth.succeeded'
  | 'reauth.failed'
  | 'two_factor.setup_started'
  | 'two_factor.setup_failed'
  | 'two_factor.enabled'
  | 'two_factor.disable_failed'
  | 'two_factor.disabled'
  | 'backup_code.used'
  | 'backup_codes.renewed'
  | 'sign_in.rate_limited'
  | 'two_factor.locked';

export interface EventFields {
  accountId?: string;
  reason?: string;
  method?: string;
  remaining?: number;
  /** Which guessing limit paused the step, and for how long. */
  limit?: string;
  retryAfterSeconds?: number;
  /** Consecutive wrong second factors so far. */
  failures?: number;
}

/** Logs who did what from where, and why it failed; never a password, code or secret. */
export function recordEvent(
  logger: Logger,
  req: Request,
  event: SecurityEvent,
  fields: EventFields = {},
): void {
  logger.info({ event, ...fields, ip: req.ip, userAgent: req.get('user-agent') ?? null }, event);
}
