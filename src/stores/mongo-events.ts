import mongoose, { Schema, type Model } from 'mongoose';
import type { SecurityEventEntry, SecurityEventStore, StoredSecurityEvent } from './event-store.js';

interface EventDocument extends SecurityEventEntry {
  _id: mongoose.Types.ObjectId;
}

const eventSchema = new Schema<EventDocument>(
  {
    accountId: { type: String, required: true },
    event: { type: String, required: true },
    at: { type: Date, required: true },
    ip: { type: String, default: null },
    userAgent: { type: String, default: null },
    reason: { type: String, default: null },
    method: { type: String, default: null },
  },
  { collection: 'security_events', versionKey: false, autoIndex: false },
);
// The one query: an account's latest events. _id breaks ties between events recorded at the
// same millisecond; ObjectIds made in one process grow in the order they are made.
eventSchema.index({ accountId: 1, at: -1, _id: -1 });

function toEvent(doc: EventDocument): StoredSecurityEvent {
  return {
    id: doc._id.toHexString(),
    accountId: doc.accountId,
    event: doc.event,
    at: doc.at,
    ip: doc.ip,
    userAgent: doc.userAgent,
    reason: doc.reason,
    method: doc.method,
  };
}

class MongoEventStore implements SecurityEventStore {
  constructor(
    private readonly connection: mongoose.Connection,
    private readonly events: Model<EventDocument>,
  ) {}

  async record(entry: SecurityEventEntry): Promise<void> {
    await this.events.create(entry);
  }

  async recent(accountId: string, limit: number): Promise<StoredSecurityEvent[]> {
    const docs = await this.events
      .find({ accountId })
      .sort({ at: -1, _id: -1 })
      .limit(limit)
      .lean<EventDocument[]>();
    return docs.map(toEvent);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * Security events in the `security_events` collection. A connection of its own rather than
 * the account store's, so either store opens and closes without the other; the cost is one
 * more connection pool per process.
 */
export async function openMongoEventStore(uri: string): Promise<SecurityEventStore> {
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
  const events = connection.model<EventDocument>('SecurityEvent', eventSchema);

  await events.createIndexes();
  return new MongoEventStore(connection, events);
}
