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
  /**
   * Every signed-in session carries the generation current when it signed in; a session
   * with another one was signed out by "Sign out other sessions". Null until first used.
   */
  sessionGeneration: string | null;
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

  /**
   * Records an accepted code's time step if it is later than the last; false otherwise. The
   * `pastSteps` before it, still inside the accepted window, are used up with it, so an older
   * code cannot follow a newer one even when both arrive at once.
   */
  recordTotpStep(id: string, step: number, pastSteps: number): Promise<boolean>;

  /** Removes one backup code; false if it was already gone (used by a concurrent request). */
  consumeBackupCode(id: string, codeId: string): Promise<boolean>;

  /** Adds one code to the current set; false when two-factor is off (no set to add to). */
  addBackupCode(id: string, code: BackupCodeRecord): Promise<boolean>;

  /** A new set of backup codes in place of the old, all at once; false when two-factor is off. */
  replaceBackupCodes(id: string, codes: BackupCodeRecord[]): Promise<boolean>;

  /** Starts a new session generation: every session of an older one is over. */
  setSessionGeneration(id: string, generation: string): Promise<void>;

  close(): Promise<void>;

  // Consecutive wrong second factors (NIST SP 800-63B-4 3.2.2). Kept per account, apart from
  // any sign-in attempt, so starting a new sign-in does not start the count again.
  /** Counts one more wrong code or backup code; returns the count including it. */
  recordSecondFactorFailure(id: string): Promise<number>;
  countSecondFactorFailures(id: string): Promise<number>;
  /** After a right code or backup code: the count starts again from zero. */
  clearSecondFactorFailures(id: string): Promise<void>;
}
