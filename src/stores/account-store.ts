/**
 * The one interface both account stores implement: SQLite on the embedded default, MongoDB in
 * production. Every method that changes security state is a single atomic step in the store,
 * so several web processes can share it without one undoing another's work.
 */

export interface BackupCodeRecord {
  id: string;
  hash: string;
}

/**
 * A TOTP secret as the stores keep it: AES-256-GCM ciphertext (src/crypto/key-ring.ts) and the
 * id of the key that sealed it. The stores never see the secret itself.
 */
export interface SealedSecret {
  keyId: string;
  ciphertext: string;
}

export interface ActiveTotp {
  secret: SealedSecret;
  enabledAt: Date;
  /** The latest time step whose code was accepted; older and equal steps are refused. */
  lastUsedStep: number;
}

export interface PendingTotp {
  secret: SealedSecret;
  createdAt: Date;
}

export interface Account {
  id: string;
  email: string;
  emailNormalized: string;
  firstName: string;
  lastName: string;
  passwordHash: string;
  createdAt: Date;
  totp: ActiveTotp | null;
  pendingTotp: PendingTotp | null;
  backupCodes: BackupCodeRecord[];
}

export interface NewAccount {
  email: string;
  emailNormalized: string;
  firstName: string;
  lastName: string;
  passwordHash: string;
}

export interface TotpActivation {
  secret: SealedSecret;
  acceptedStep: number;
  backupCodes: BackupCodeRecord[];
  at: Date;
}

export class DuplicateEmailError extends Error {
  override name = 'DuplicateEmailError';
}

export interface AccountStore {
  /** Throws DuplicateEmailError when the normalised email is taken. */
  createAccount(account: NewAccount): Promise<Account>;
  findById(id: string): Promise<Account | null>;
  findByEmail(emailNormalized: string): Promise<Account | null>;

  /** Replaces any earlier pending secret; the active one, if any, is untouched. */
  setPendingTotp(id: string, pending: PendingTotp): Promise<void>;

  /**
   * Makes the pending secret active, with its first accepted step and a new set of backup
   * codes, only if that exact secret is still pending. Returns false when it was not.
   */
  activateTotp(id: string, activation: TotpActivation): Promise<boolean>;

  /** Turns two-factor off: clears the active and pending secrets and all backup codes. */
  disableTotp(id: string): Promise<void>;

  /** Records an accepted code's time step if it is later than the last; false otherwise. */
  recordTotpStep(id: string, step: number): Promise<boolean>;

  /** Removes one backup code; false if it was already gone (used by a concurrent request). */
  consumeBackupCode(id: string, codeId: string): Promise<boolean>;

  close(): Promise<void>;
}
