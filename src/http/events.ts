import type { Request } from 'express';
import type { Logger } from '../log.js';
import type { SecurityEventStore } from '../stores/event-store.js';

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
  | 'reauth.rate_limited'
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

/** Where an event goes: the log, and the account's security activity. */
export interface EventRecorder {
  logger: Logger;
  events: SecurityEventStore;
  now: () => Date;
}

/** Enough to tell browsers apart; a header can be up to the server's 16 KiB limit. */
const USER_AGENT_MAX_LENGTH = 300;

function readUserAgent(req: Request): string | null {
  const header = req.get('user-agent');
  if (header === undefined) return null;

  const text = header.replace(/\s+/g, ' ').trim();
  return text === '' ? null : text.slice(0, USER_AGENT_MAX_LENGTH);
}

/**
 * Logs who did what from where, and why it failed, and keeps the event in the account's
 * security activity when it concerns a known account. Never a password, code, secret or
 * session id: only the fields below are recorded.
 */
export async function recordEvent(
  recorder: EventRecorder,
  req: Request,
  event: SecurityEvent,
  fields: EventFields = {},
): Promise<void> {
  const { logger, events, now } = recorder;
  const ip = req.ip ?? null;
  const userAgent = readUserAgent(req);

  logger.info({ event, ...fields, ip, userAgent }, event);
  if (fields.accountId === undefined) return;

  try {
    await events.record({
      accountId: fields.accountId,
      event,
      at: now(),
      ip,
      userAgent,
      reason: fields.reason ?? null,
      method: fields.method ?? null,
    });
  } catch (error) {
    // The activity list is a record for the customer; the sign-in or change it describes has
    // already happened and must not fail because the record could not be written.
    logger.error(
      {
        event: 'security_event.not_stored',
        securityEvent: event,
        accountId: fields.accountId,
        err: error,
      },
      'security event not stored',
    );
  }
}
