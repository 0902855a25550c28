import { randomBytes } from 'node:crypto';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import {
  DuplicateEmailError,
  type Account,
  type AccountStore,
  type BackupCodeRecord,
  type NewAccount,
  type PendingTotp,
  type TotpActivation,
} from './account-store.js';

interface AccountDocument {
  _id: mongoose.Types.ObjectId;
  email: string;
  emailNormalized: string;
  firstName: string;
  lastName: string;
  passwordHash: string;
  createdAt: Date;
  sessionGeneration?: string | null;
  /** The secret as sealed by the auth layer: ciphertext and the id of its key, never plain. */
  totp: { keyId: string; ciphertext: string; enabledAt: Date; lastUsedStep: number } | null;
  pendingTotp: { keyId: string; ciphertext: string; createdAt: Date } | null;
  /** Which set of backup codes is current; codes of any other set are void. */
  backupCodeSet: string | null;
}

interface BackupCodeDocument {
  /** accountId:codeId, so code ids need only be unique within one account. */
  _id: string;
  accountId: string;
  codeId: string;
  setId: string;
  hash: string;
}

/** A one-time decision, taken by inserting its key: a time step used, a backup code used. */
interface ClaimDocument {
  _id: string;
  accountId: string;
  kind: 'totp-step' | 'backup-code';
  step: number | null;
}

/**
 * One wrong second factor. A document per failure, counted, rather than a number raised with
 * $inc: FerretDB does not promise that concurrent $inc updates all land, while every insert
 * does, so failures sent all at once are each counted.
 */
interface SecondFactorFailureDocument {
  _id: string;
  accountId: string;
  at: Date;
}

const DUPLICATE_KEY = 11000;

/** Time-step claims this far behind the latest can no longer be replayed, so they are pruned. */
const KEPT_STEP_CLAIMS = 20;

const accountSchema = new Schema<AccountDocument>(
  {
    email: { type: String, required: true },
    emailNormalized: { type: String, required: true, unique: true },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    sessionGeneration: { type: String, default: null },
    totp: {
      type: new Schema(
        { keyId: String, ciphertext: String, enabledAt: Date, lastUsedStep: Number },
        { _id: false },
      ),
      default: null,
    },
    pendingTotp: {
      type: new Schema({ keyId: String, ciphertext: String, createdAt: Date }, { _id: false }),
      default: null,
    },
    backupCodeSet: { type: String, default: null },
  },
  { collection: 'accounts', versionKey: false, autoIndex: false },
);

const backupCodeSchema = new Schema<BackupCodeDocument>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true, index: true },
    codeId: { type: String, required: true },
    setId: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { collection: 'backup_codes', versionKey: false, autoIndex: false },
);

const claimSchema = new Schema<ClaimDocument>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true, index: true },
    kind: { type: String, required: true },
    step: { type: Number, default: null },
  },
  { collection: 'claims', versionKey: false, autoIndex: false },
);

const failureSchema = new Schema<SecondFactorFailureDocument>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true, index: true },
    at: { type: Date, required: true },
  },
  { collection: 'second_factor_failures', versionKey: false, autoIndex: false },
);

function toAccount(doc: AccountDocument, codes: BackupCodeDocument[]): Account {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    emailNormalized: doc.emailNormalized,
    firstName: doc.firstName,
    lastName: doc.lastName,
    passwordHash: doc.passwordHash,
    createdAt: doc.createdAt,
    sessionGeneration: doc.sessionGeneration ?? null,
    totp: doc.totp
      ? {
          secret: { keyId: doc.totp.keyId, ciphertext: doc.totp.ciphertext },
          enabledAt: doc.totp.enabledAt,
          lastUsedStep: doc.totp.lastUsedStep,
        }
      : null,
    pendingTotp: doc.pendingTotp
      ? {
          secret: { keyId: doc.pendingTotp.keyId, ciphertext: doc.pendingTotp.ciphertext },
          createdAt: doc.pendingTotp.createdAt,
        }
      : null,
    backupCodes: codes.map((code) => ({ id: code.codeId, hash: code.hash })),
  };
}

/** An id that is not an ObjectId matches no account, instead of throwing a CastError. */
function objectId(id: string): mongoose.Types.ObjectId | null {
  return mongoose.isObjectIdOrHexString(id) ? new mongoose.Types.ObjectId(id) : null;
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === DUPLICATE_KEY;
}

/**
 * Accounts in MongoDB, written for any MongoDB-wire server, including FerretDB, whose
 * conditional updates are not atomic: two concurrent updateOne calls with the same filter can
 * both report a change. So every "only once" decision here rests on what every such server
 * does enforce atomically, a unique key: inserting a document whose _id is already taken
 * fails for all but one caller. The same holds on MongoDB itself.
 */
class MongoAccountStore implements AccountStore {
  constructor(
    private readonly connection: Connection,
    private readonly accounts: Model<AccountDocument>,
    private readonly backupCodes: Model<BackupCodeDocument>,
    private readonly claims: Model<ClaimDocument>,
    private readonly failures: Model<SecondFactorFailureDocument>,
  ) {}

  private async load(doc: AccountDocument | null): Promise<Account | null> {
    if (doc === null) return null;

    const codes = doc.backupCodeSet
      ? await this.backupCodes
          .find({ accountId: doc._id.toHexString(), setId: doc.backupCodeSet })
          .sort({ codeId: 1 })
          .lean<BackupCodeDocument[]>()
      : [];
    return toAccount(doc, codes);
  }

  /** Only the two-factor fields, for the checks before a change: no backup-code query. */
  private async readTwoFactor(
    id: string,
  ): Promise<Pick<AccountDocument, 'totp' | 'pendingTotp' | 'backupCodeSet'> | null> {
    const _id = objectId(id);
    if (_id === null) return null;

    return this.accounts
      .findById(_id, { totp: 1, pendingTotp: 1, backupCodeSet: 1 })
      .lean<Pick<AccountDocument, 'totp' | 'pendingTotp' | 'backupCodeSet'>>();
  }

  private async insertBackupCodes(
    accountId: string,
    setId: string,
    codes: BackupCodeRecord[],
  ): Promise<void> {
    await this.backupCodes.insertMany(
      codes.map((code) => ({
        _id: `${accountId}:${code.id}`,
        codeId: code.id,
        accountId,
        setId,
        hash: code.hash,
      })),
    );
  }

  /** True for exactly one caller per key, whichever process it runs in. */
  private async claim(claim: ClaimDocument): Promise<boolean> {
    try {
      await this.claims.create(claim);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * Claims a time step, after first using up the past steps of the window still open before
   * it. In that order, an older code racing a newer one either claims its step first (and was
   * then the earlier of two good codes) or finds it taken: it never wins after the newer one.
   */
  private async claimTotpStep(
    accountId: string,
    step: number,
    pastSteps: number,
  ): Promise<boolean> {
    for (let past = step - pastSteps; past < step; past += 1) {
      await this.claim({
        _id: `totp-step:${accountId}:${past}`,
        accountId,
        kind: 'totp-step',
        step: past,
      });
    }

    const claimed = await this.claim({
      _id: `totp-step:${accountId}:${step}`,
      accountId,
      kind: 'totp-step',
      step,
    });
    if (!claimed) return false;

    await this.claims.deleteMany({
      accountId,
      kind: 'totp-step',
      step: { $lt: step - KEPT_STEP_CLAIMS },
    });
    return true;
  }

  async createAccount(account: NewAccount): Promise<Account> {
    try {
      const created = await this.accounts.create({ ...account, createdAt: new Date() });
      return toAccount(created.toObject(), []);
    } catch (error) {
      if (isDuplicateKey(error)) throw new DuplicateEmailError(account.email);
      throw error;
    }
  }

  async findById(id: string): Promise<Account | null> {
    const _id = objectId(id);
    if (_id === null) return null;

    return this.load(await this.accounts.findById(_id).lean<AccountDocument>());
  }

  async findByEmail(emailNormalized: string): Promise<Account | null> {
    return this.load(await this.accounts.findOne({ emailNormalized }).lean<AccountDocument>());
  }

  async setPendingTotp(id: string, pending: PendingTotp): Promise<void> {
    const { keyId, ciphertext } = pending.secret;
    await this.accounts.updateOne(
      { _id: objectId(id) },
      { $set: { pendingTotp: { keyId, ciphertext, createdAt: pending.createdAt } } },
    );
  }

  async activateTotp(id: string, activation: TotpActivation): Promise<boolean> {
    const current = await this.readTwoFactor(id);
    const { keyId, ciphertext } = activation.secret;
    if (current?.pendingTotp?.ciphertext !== ciphertext || current.pendingTotp.keyId !== keyId) {
      return false;
    }

    // Two submissions of the same code (a double click) race here; one claims the step.
    // A new secret has no older steps to use up: only this one's step is claimed.
    if (!(await this.claimTotpStep(id, activation.acceptedStep, 0))) return false;

    // The new codes are written first under a new set id and count only once the account
    // points at that set, so a failure half-way leaves the old state whole.
    const setId = randomBytes(8).toString('hex');
    await this.insertBackupCodes(id, setId, activation.backupCodes);
    await this.accounts.updateOne(
      { _id: objectId(id), 'pendingTotp.ciphertext': ciphertext },
      {
        $set: {
          totp: {
            keyId,
            ciphertext,
            enabledAt: activation.at,
            lastUsedStep: activation.acceptedStep,
          },
          pendingTotp: null,
          backupCodeSet: setId,
        },
      },
    );

    await this.backupCodes.deleteMany({ accountId: id, setId: { $ne: setId } });
    await this.claims.deleteMany({ accountId: id, kind: 'backup-code' });
    return true;
  }

  async disableTotp(id: string): Promise<void> {
    await this.accounts.updateOne(
      { _id: objectId(id) },
      { $set: { totp: null, pendingTotp: null, backupCodeSet: null } },
    );
    await this.backupCodes.deleteMany({ accountId: id });
    // With the secret gone its time steps mean nothing; a new secret may reuse the same step.
    await this.claims.deleteMany({ accountId: id });
  }

  async recordTotpStep(id: string, step: number, pastSteps: number): Promise<boolean> {
    const current = await this.readTwoFactor(id);
    if (!current?.totp || step <= current.totp.lastUsedStep) return false;

    if (!(await this.claimTotpStep(id, step, pastSteps))) return false;

    await this.accounts.updateOne(
      { _id: objectId(id), 'totp.lastUsedStep': { $lt: step } },
      { $set: { 'totp.lastUsedStep': step } },
    );
    return true;
  }

  async consumeBackupCode(id: string, codeId: string): Promise<boolean> {
    const key = `${id}:${codeId}`;
    const code = await this.backupCodes.findOne({ _id: key, accountId: id }).lean();
    if (code === null) return false;

    const claimed = await this.claim({
      _id: `backup-code:${key}`,
      accountId: id,
      kind: 'backup-code',
      step: null,
    });
    if (!claimed) return false;

    await this.backupCodes.deleteOne({ _id: key, accountId: id });
    return true;
  }

  async addBackupCode(id: string, code: BackupCodeRecord): Promise<boolean> {
    const current = await this.readTwoFactor(id);
    if (!current?.totp || !current.backupCodeSet) return false;

    await this.insertBackupCodes(id, current.backupCodeSet, [code]);
    return true;
  }

  async replaceBackupCodes(id: string, codes: BackupCodeRecord[]): Promise<boolean> {
    const current = await this.readTwoFactor(id);
    if (!current?.totp) return false;

    // As on activation: the new set counts only once the account points at it, and the old
    // set is void from that moment, whether or not its documents are gone yet.
    const setId = randomBytes(8).toString('hex');
    await this.insertBackupCodes(id, setId, codes);
    await this.accounts.updateOne({ _id: objectId(id) }, { $set: { backupCodeSet: setId } });
    await this.backupCodes.deleteMany({ accountId: id, setId: { $ne: setId } });
    return true;
  }

  async setSessionGeneration(id: string, generation: string): Promise<void> {
    await this.accounts.updateOne(
      { _id: objectId(id) },
      { $set: { sessionGeneration: generation } },
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async recordSecondFactorFailure(id: string): Promise<number> {
    await this.failures.create({
      _id: randomBytes(12).toString('hex'),
      accountId: id,
      at: new Date(),
    });
    return this.countSecondFactorFailures(id);
  }

  async countSecondFactorFailures(id: string): Promise<number> {
    return this.failures.countDocuments({ accountId: id });
  }

  async clearSecondFactorFailures(id: string): Promise<void> {
    await this.failures.deleteMany({ accountId: id });
  }
}

/** Connects to MongoDB and makes sure the unique email index exists before any request. */
export async function openMongoAccountStore(uri: string): Promise<AccountStore> {
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
  const accounts = connection.model<AccountDocument>('Account', accountSchema);
  const backupCodes = connection.model<BackupCodeDocument>('BackupCode', backupCodeSchema);
  const claims = connection.model<ClaimDocument>('Claim', claimSchema);
  const failures = connection.model<SecondFactorFailureDocument>(
    'SecondFactorFailure',
    failureSchema,
  );

  await Promise.all([
    accounts.createIndexes(),
    backupCodes.createIndexes(),
    claims.createIndexes(),
    failures.createIndexes(),
  ]);
  return new MongoAccountStore(connection, accounts, backupCodes, claims, failures);
}
