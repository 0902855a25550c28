import type { StoredSecurityEvent } from './stores/event-store.js';

/** How many events Security Settings lists. */
export const RECENT_ACTIVITY_LIMIT = 20;

/**
 * What each event means to the customer. A key is an event name, or an event name and a
 * reason or method after a slash when that changes the meaning.
 */
const DESCRIPTIONS: Record<string, string> = {
  'account.registered': 'Account created',
  'sign_in.succeeded': 'Signed in',
  'sign_in.succeeded/backup-code': 'Signed in with a backup code',
  'sign_in.password_failed': 'Wrong password',
  'sign_in.second_factor_required': 'Password accepted, authentication code asked for',
  'sign_in.second_factor_failed': 'Wrong authentication code',
  'sign_in.second_factor_failed/backup-code': 'Wrong backup code',
  'sign_in.second_factor_failed/replayed': 'A code was used again',
  'sign_in.second_factor_failed/malformed': 'Sign-in code not in the expected format',
  'sign_in.second_factor_expired': 'Sign-in not finished in time',
  'sign_in.second_factor_replayed': 'A code was used again',
  'sign_in.rate_limited': 'Too many sign-in attempts',
  sign_out: 'Signed out',
  'backup_code.used': 'Backup code used',
  'backup_codes.renewed': 'New backup codes made',
  'two_factor.setup_started': 'Two-factor authentication setup started',
  'two_factor.setup_failed': 'Two-factor authentication setup: code not accepted',
  'two_factor.enabled': 'Two-factor authentication turned on',
  'two_factor.disable_failed': 'Turning off two-factor authentication failed',
  'two_factor.disable_failed/wrong-password':
    'Turning off two-factor authentication: wrong password',
  'two_factor.disable_failed/wrong': 'Turning off two-factor authentication: code not accepted',
  'two_factor.disabled': 'Two-factor authentication turned off',
  'two_factor.locked': 'Two-factor sign-in locked after too many wrong codes',
  'sessions.ended_others': 'Signed out everywhere else',
  'session.ended/idle': 'Signed out after a while without activity',
  'session.ended/expired': 'Signed out at the end of the session time limit',
  'session.ended/signed-out-elsewhere': 'Signed out from another session',
  'reauth.succeeded': 'Password confirmed for a security change',
  'reauth.failed': 'Wrong password when confirming a security change',
  'reauth.rate_limited': 'Too many wrong passwords when confirming a security change',
};

export interface ActivityRow {
  description: string;
  /** ISO 8601 in UTC, for the <time datetime> attribute. */
  datetime: string;
  /** The same moment for people, in UTC. */
  when: string;
  ip: string;
  browser: string;
}

const WHEN_FORMAT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** A name nobody described yet still reads as words: "sessions.ended" -> "Sessions ended". */
function fallbackDescription(event: string): string {
  const words = event.replace(/[._-]+/g, ' ').trim();
  return words === '' ? 'Security event' : words[0]?.toUpperCase() + words.slice(1);
}

export function describeEvent(
  event: Pick<StoredSecurityEvent, 'event' | 'reason' | 'method'>,
): string {
  return (
    (event.reason && DESCRIPTIONS[`${event.event}/${event.reason}`]) ||
    (event.method && DESCRIPTIONS[`${event.event}/${event.method}`]) ||
    DESCRIPTIONS[event.event] ||
    fallbackDescription(event.event)
  );
}

/** The rows of the "Recent security activity" list, in the order given (newest first). */
export function toActivityRows(events: StoredSecurityEvent[]): ActivityRow[] {
  return events.map((event) => ({
    description: describeEvent(event),
    datetime: event.at.toISOString(),
    when: `${WHEN_FORMAT.format(event.at)} UTC`,
    ip: event.ip ?? 'Unknown',
    browser: event.userAgent ?? 'Unknown',
  }));
}
