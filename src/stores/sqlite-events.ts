import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SecurityEventEntry, SecurityEventStore, StoredSecurityEvent } from './event-store.js';

interface EventRow {
  id: number;
  account_id: string;
  event: string;
  at: number;
  ip: string | null;
  user_agent: string | null;
  reason: string | null;
  method: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    event TEXT NOT NULL,
    at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT,
    reason TEXT,
    method TEXT
  );
  CREATE INDEX IF NOT EXISTS security_events_by_account
    ON security_events (account_id, at DESC, id DESC);
`;

function toEvent(row: EventRow): StoredSecurityEvent {
  return {
    id: String(row.id),
    accountId: row.account_id,
    event: row.event,
    at: new Date(row.at),
    ip: row.ip,
    userAgent: row.user_agent,
    reason: row.reason,
    method: row.method,
  };
}

/**
 * Security events in a SQLite file of their own under DATA_DIR, beside the accounts file, so
 * this history never holds a lock the sign-in itself waits for.
 */
export function openSqliteEventStore(dataDir: string): SecurityEventStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'security-events.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);

  const insert = db.prepare(
    `INSERT INTO security_events (account_id, event, at, ip, user_agent, reason, method)
     VALUES (@accountId, @event, @at, @ip, @userAgent, @reason, @method)`,
  );
  const selectRecent = db.prepare<[string, number], EventRow>(
    `SELECT * FROM security_events WHERE account_id = ?
     ORDER BY at DESC, id DESC LIMIT ?`,
  );

  return {
    async record(entry: SecurityEventEntry): Promise<void> {
      insert.run({ ...entry, at: entry.at.getTime() });
    },

    async recent(accountId: string, limit: number): Promise<StoredSecurityEvent[]> {
      return selectRecent.all(accountId, limit).map(toEvent);
    },

    async close(): Promise<void> {
      db.close();
    },
  };
}
