/**
 * The customer's security activity: what happened to their account, when and from where. One
 * interface with a SQLite version for the embedded default and a MongoDB one for production.
 * Never a password, code, secret or session id: only what the customer may be shown.
 */

export interface SecurityEventEntry {
  accountId: string;
  /** The event name, as in the log line (for example `sign_in.succeeded`). */
  event: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
  /** Why a step failed (`wrong`, `replayed`, ...), when that helps the customer. */
  reason: string | null;
  /** How a step was done (`totp`, `backup-code`, `password`). */
  method: string | null;
}

export interface StoredSecurityEvent extends SecurityEventEntry {
  id: string;
}

export interface SecurityEventStore {
  record(entry: SecurityEventEntry): Promise<void>;
  /** The account's latest events, newest first; events at the same time in recorded order. */
  recent(accountId: string, limit: number): Promise<StoredSecurityEvent[]>;
  close(): Promise<void>;
}
