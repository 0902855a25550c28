import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import {
  DuplicateEmailError,
  type Account,
  type AccountStore,
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
  totp: { secret: string; enabledAt: Date; lastUsedStep: number } | null;
  pendingTotp: { secret: string; createdAt: Date } | null;
  backupCodes: { id: string; hash: string }[];
}

const DUPLICATE_KEY = 11000;

const accountSchema = new Schema<AccountDocument>(
  {
    email: { type: String, required: true },
    emailNormalized: { type: String, required: true, unique: true },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    totp: {
      type: new Schema({ secret: String, enabledAt: Date, lastUsedStep: Number }, { _id: false }),
      default: null,
    },
    pendingTotp: {
      type: new Schema({ secret: String, createdAt: Date }, { _id: false }),
      default: null,
    },
    // Backup codes live inside the account document so that turning two-factor on (secret plus
    // a new set of codes) is one atomic update; MongoDB-compatible servers without
    // transactions, such as FerretDB, keep that guarantee.
    backupCodes: { type: [{ _id: false, id: String, hash: String }], default: [] },
  },
  { collection: 'accounts', versionKey: false, autoIndex: false },
);

function toAccount(doc: AccountDocument): Account {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    emailNormalized: doc.emailNormalized,
    firstName: doc.firstName,
    lastName: doc.lastName,
    passwordHash: doc.passwordHash,
    createdAt: doc.createdAt,
    totp: doc.totp
      ? {
          secret: doc.totp.secret,
          enabledAt: doc.totp.enabledAt,
          lastUsedStep: doc.totp.lastUsedStep,
        }
      : null,
    pendingTotp: doc.pendingTotp
      ? { secret: doc.pendingTotp.secret, createdAt: doc.pendingTotp.createdAt }
      : null,
    backupCodes: (doc.backupCodes ?? []).map((code) => ({ id: code.id, hash: code.hash })),
  };
}

/** An id that is not an ObjectId matches no account, instead of throwing a CastError. */
function objectId(id: string): mongoose.Types.ObjectId | null {
  return mongoose.isObjectIdOrHexString(id) ? new mongoose.Types.ObjectId(id) : null;
}

class MongoAccountStore implements AccountStore {
  constructor(
    private readonly connection: Connection,
    private readonly accounts: Model<AccountDocument>,
  ) {}

  async createAccount(account: NewAccount): Promise<Account> {
    try {
      const created = await this.accounts.create({ ...account, createdAt: new Date() });
      return toAccount(created.toObject());
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) {
        throw new DuplicateEmailError(account.email);
      }
      throw error;
    }
  }

  async findById(id: string): Promise<Account | null> {
    const _id = objectId(id);
    if (_id === null) return null;

    const doc = await this.accounts.findById(_id).lean<AccountDocument>();
    return doc ? toAccount(doc) : null;
  }

  async findByEmail(emailNormalized: string): Promise<Account | null> {
    const doc = await this.accounts.findOne({ emailNormalized }).lean<AccountDocument>();
    return doc ? toAccount(doc) : null;
  }

  async setPendingTotp(id: string, pending: PendingTotp): Promise<void> {
    await this.accounts.updateOne({ _id: objectId(id) }, { $set: { pendingTotp: pending } });
  }

  async activateTotp(id: string, activation: TotpActivation): Promise<boolean> {
    const result = await this.accounts.updateOne(
      { _id: objectId(id), 'pendingTotp.secret': activation.secret },
      {
        $set: {
          totp: {
            secret: activation.secret,
            enabledAt: activation.at,
            lastUsedStep: activation.acceptedStep,
          },
          pendingTotp: null,
          backupCodes: activation.backupCodes,
        },
      },
    );
    return result.modifiedCount === 1;
  }

  async disableTotp(id: string): Promise<void> {
    await this.accounts.updateOne(
      { _id: objectId(id) },
      { $set: { totp: null, pendingTotp: null, backupCodes: [] } },
    );
  }

  async recordTotpStep(id: string, step: number): Promise<boolean> {
    const result = await this.accounts.updateOne(
      { _id: objectId(id), 'totp.lastUsedStep': { $lt: step } },
      { $set: { 'totp.lastUsedStep': step } },
    );
    return result.modifiedCount === 1;
  }

  async consumeBackupCode(id: string, codeId: string): Promise<boolean> {
    const result = await this.accounts.updateOne(
      { _id: objectId(id), 'backupCodes.id': codeId },
      { $pull: { backupCodes: { id: codeId } } },
    );
    return result.modifiedCount === 1;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** Connects to MongoDB and makes sure the unique email index exists before any request. */
export async function openMongoAccountStore(uri: string): Promise<AccountStore> {
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
  const accounts = connection.model<AccountDocument>('Account', accountSchema);

  await accounts.createIndexes();
  return new MongoAccountStore(connection, accounts);
}
