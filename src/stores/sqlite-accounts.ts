import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DuplicateEmailError,
  type Account,
  type AccountStore,
  type BackupCodeRecord,
  type NewAccount,
  type PendingTotp,
  type SealedSecret,
  type TotpActivation,
} from './account-store.js';

interface AccountRow {
  id: string;
  email: string;
  email_normalized: string;
  first_name: string;
  last_name: string;
  password_hash: string;
  created_at: number;
  session_generation: string | null;
  totp_ciphertext: string | null;
  totp_key_id: string | null;
  totp_enabled_at: number | null;
  totp_last_step: number | null;
  pending_totp_ciphertext: string | null;
  pending_totp_key_id: string | null;
  pending_totp_created_at: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    session_generation TEXT,
    totp_ciphertext TEXT,
    totp_key_id TEXT,
    totp_enabled_at INTEGER,
    totp_last_step INTEGER,
    pending_totp_ciphertext TEXT,
    pending_totp_key_id TEXT,
    pending_totp_created_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS backup_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
  );
`;

/** Columns that files from earlier versions lack; added empty when opened. */
const ADDED_COLUMNS = [
  'session_generation',
  'totp_ciphertext',
  'totp_key_id',
  'pending_totp_ciphertext',
  'pending_totp_key_id',
];

/**
 * A file written before the secrets were encrypted keeps them in plain totp_secret columns.
 * The product was never released with that format, so there is no conversion: a file that
 * still holds such a secret is refused, and a file without one gets the new columns.
 */
function upgradeSchema(db: Database.Database, file: string): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(accounts)').all();
  const names = new Set(columns.map((column) => column.name));

  if (names.has('totp_secret')) {
    const plain = db
      .prepare(
        `SELECT COUNT(*) AS n FROM accounts
         WHERE totp_secret IS NOT NULL OR pending_totp_secret IS NOT NULL`,
      )
      .get() as { n: number };
    if (plain.n > 0) {
      throw new Error(
        `${file} holds TOTP secrets stored unencrypted by an earlier version; ` +
          'delete the file (development data) and start again.',
      );
    }
  }
  for (const column of ADDED_COLUMNS.filter((name) => !names.has(name))) {
    db.exec(`ALTER TABLE accounts ADD COLUMN ${column} TEXT`);
  }
}

function sealed(ciphertext: string | null, keyId: string | null): SealedSecret | null {
  return ciphertext !== null && keyId !== null ? { keyId, ciphertext } : null;
}

// A table of its own, so a file made before this count existed gains it on opening.
const FAILURES_SCHEMA = `
  CREATE TABLE IF NOT EXISTS second_factor_failures (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    count INTEGER NOT NULL
  );
`;

function toAccount(row: AccountRow, backupCodes: BackupCodeRecord[]): Account {
  const totpSecret = sealed(row.totp_ciphertext, row.totp_key_id);
  const pendingSecret = sealed(row.pending_totp_ciphertext, row.pending_totp_key_id);

  return {
    id: row.id,
    email: row.email,
    emailNormalized: row.email_normalized,
    firstName: row.first_name,
    lastName: row.last_name,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
    sessionGeneration: row.session_generation,
    totp:
      totpSecret !== null && row.totp_enabled_at !== null
        ? {
            secret: totpSecret,
            enabledAt: new Date(row.totp_enabled_at),
            lastUsedStep: row.totp_last_step ?? 0,
          }
        : null,
    pendingTotp:
      pendingSecret !== null && row.pending_totp_created_at !== null
        ? { secret: pendingSecret, createdAt: new Date(row.pending_totp_created_at) }
        : null,
    backupCodes,
  };
}

/**
 * Accounts in one SQLite file under DATA_DIR, for the embedded default. better-sqlite3 is
 * synchronous, and every change below is one statement or one transaction, so concurrent
 * requests in this process (and other processes on the same file) see each step whole.
 */
export function openSqliteAccountStore(dataDir: string): AccountStore {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'accounts.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  upgradeSchema(db, file);
  db.exec(FAILURES_SCHEMA);

  const selectById = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?');
  const selectByEmail = db.prepare<[string], AccountRow>(
    'SELECT * FROM accounts WHERE email_normalized = ?',
  );
  const selectCodes = db.prepare<[string], BackupCodeRecord>(
    'SELECT id, hash FROM backup_codes WHERE account_id = ? ORDER BY rowid',
  );
  const insertAccount = db.prepare(
    `INSERT INTO accounts (id, email, email_normalized, first_name, last_name, password_hash,
       created_at) VALUES (@id, @email, @emailNormalized, @firstName, @lastName, @passwordHash,
       @createdAt)`,
  );
  const updatePending = db.prepare(
    `UPDATE accounts SET pending_totp_ciphertext = ?, pending_totp_key_id = ?,
       pending_totp_created_at = ? WHERE id = ?`,
  );
  const updateActivate = db.prepare(
    `UPDATE accounts SET totp_ciphertext = pending_totp_ciphertext,
       totp_key_id = pending_totp_key_id, totp_enabled_at = ?, totp_last_step = ?,
       pending_totp_ciphertext = NULL, pending_totp_key_id = NULL, pending_totp_created_at = NULL
     WHERE id = ? AND pending_totp_ciphertext = ? AND pending_totp_key_id = ?`,
  );
  const updateDisable = db.prepare(
    `UPDATE accounts SET totp_ciphertext = NULL, totp_key_id = NULL, totp_enabled_at = NULL,
       totp_last_step = NULL, pending_totp_ciphertext = NULL, pending_totp_key_id = NULL,
       pending_totp_created_at = NULL WHERE id = ?`,
  );
  const updateStep = db.prepare(
    `UPDATE accounts SET totp_last_step = ?
     WHERE id = ? AND totp_ciphertext IS NOT NULL AND COALESCE(totp_last_step, 0) < ?`,
  );
  const deleteCodes = db.prepare('DELETE FROM backup_codes WHERE account_id = ?');
  const deleteCode = db.prepare('DELETE FROM backup_codes WHERE account_id = ? AND id = ?');
  const insertCode = db.prepare('INSERT INTO backup_codes (account_id, id, hash) VALUES (?, ?, ?)');
  const selectTotpActive = db.prepare<[string], { active: number }>(
    'SELECT totp_ciphertext IS NOT NULL AS active FROM accounts WHERE id = ?',
  );
  const updateSessionGeneration = db.prepare(
    'UPDATE accounts SET session_generation = ? WHERE id = ?',
  );

  const addCode = db.transaction((id: string, code: BackupCodeRecord): boolean => {
    if (selectTotpActive.get(id)?.active !== 1) return false;

    insertCode.run(id, code.id, code.hash);
    return true;
  });

  const replaceCodes = db.transaction((id: string, codes: BackupCodeRecord[]): boolean => {
    if (selectTotpActive.get(id)?.active !== 1) return false;

    deleteCodes.run(id);
    for (const code of codes) insertCode.run(id, code.id, code.hash);
    return true;
  });

  const recordFailure = db.prepare(
    `INSERT INTO second_factor_failures (account_id, count) VALUES (?, 1)
     ON CONFLICT (account_id) DO UPDATE SET count = count + 1 RETURNING count`,
  );
  const countFailures = db.prepare<[string], { count: number }>(
    'SELECT count FROM second_factor_failures WHERE account_id = ?',
  );
  const clearFailures = db.prepare('DELETE FROM second_factor_failures WHERE account_id = ?');

  const activate = db.transaction((id: string, activation: TotpActivation): boolean => {
    const changed = updateActivate.run(
      activation.at.getTime(),
      activation.acceptedStep,
      id,
      activation.secret.ciphertext,
      activation.secret.keyId,
    ).changes;
    if (changed !== 1) return false;

    deleteCodes.run(id);
    for (const code of activation.backupCodes) insertCode.run(id, code.id, code.hash);
    return true;
  });

  const disable = db.transaction((id: string): void => {
    updateDisable.run(id);
    deleteCodes.run(id);
  });

  function load(row: AccountRow | undefined): Account | null {
    return row ? toAccount(row, selectCodes.all(row.id)) : null;
  }

  return {
    async createAccount(account: NewAccount): Promise<Account> {
      const id = randomUUID();
      try {
        insertAccount.run({ ...account, id, createdAt: Date.now() });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateEmailError(account.email);
        throw error;
      }
      return load(selectById.get(id)) as Account;
    },

    async findById(id: string): Promise<Account | null> {
      return load(selectById.get(id));
    },

    async findByEmail(emailNormalized: string): Promise<Account | null> {
      return load(selectByEmail.get(emailNormalized));
    },

    async setPendingTotp(id: string, pending: PendingTotp): Promise<void> {
      const { ciphertext, keyId } = pending.secret;
      updatePending.run(ciphertext, keyId, pending.createdAt.getTime(), id);
    },

    async activateTotp(id: string, activation: TotpActivation): Promise<boolean> {
      return activate(id, activation);
    },

    async disableTotp(id: string): Promise<void> {
      disable(id);
    },

    // One conditional update: the last step only grows, which already refuses the older
    // steps of the window, so pastSteps needs no work of its own here.
    async recordTotpStep(id: string, step: number): Promise<boolean> {
      return updateStep.run(step, id, step).changes === 1;
    },

    async consumeBackupCode(id: string, codeId: string): Promise<boolean> {
      return deleteCode.run(id, codeId).changes === 1;
    },

    async addBackupCode(id: string, code: BackupCodeRecord): Promise<boolean> {
      return addCode(id, code);
    },

    async replaceBackupCodes(id: string, codes: BackupCodeRecord[]): Promise<boolean> {
      return replaceCodes(id, codes);
    },

    async setSessionGeneration(id: string, generation: string): Promise<void> {
      updateSessionGeneration.run(generation, id);
    },

    async close(): Promise<void> {
      db.close();
    },

    // One statement each, so concurrent failures are each counted once.
    async recordSecondFactorFailure(id: string): Promise<number> {
      return (recordFailure.get(id) as { count: number }).count;
    },

    async countSecondFactorFailures(id: string): Promise<number> {
      return countFailures.get(id)?.count ?? 0;
    },

    async clearSecondFactorFailures(id: string): Promise<void> {
      clearFailures.run(id);
    },
  };
}
