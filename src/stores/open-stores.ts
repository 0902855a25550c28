import session, { type Store } from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import type { Config } from '../config.js';
import {
  createGuessingLimits,
  DEFAULT_GUESSING_LIMITS,
  type GuessingLimits,
  type RedisClient,
} from '../auth/guessing-limits.js';
import type { AccountStore } from './account-store.js';
import type { SecurityEventStore } from './event-store.js';
import { openMongoAccountStore } from './mongo-accounts.js';
import { openMongoEventStore } from './mongo-events.js';
import { openSqliteAccountStore } from './sqlite-accounts.js';
import { openSqliteEventStore } from './sqlite-events.js';

export interface Stores {
  accounts: AccountStore;
  sessionStore: Store;
  guessingLimits: GuessingLimits;
  /** Each account's security activity, kept beside the accounts. */
  securityEvents: SecurityEventStore;
  /** One line for the start-up log: which stores are in use. */
  description: string;
  close(): Promise<void>;
}

/** Sessions in Redis, shared by every web process; the key prefix keeps other apps apart. */
export async function openRedisSessionStore(
  url: string,
): Promise<{ store: Store; client: RedisClient; close: () => Promise<void> }> {
  const client = createClient({ url });
  client.on('error', () => {
    // Reconnection is automatic; a request that needs Redis meanwhile fails on its own.
  });
  await client.connect();

  const store = new RedisStore({ client, prefix: 'client-area:sess:' });
  return { store, client, close: async () => void (await client.quit()) };
}

function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/**
 * MongoDB and Redis when configured (always in production: the config refuses to start
 * without them); otherwise the embedded default, a SQLite file and in-process sessions.
 */
export async function openStores(config: Config): Promise<Stores> {
  const accounts = config.mongodbUri
    ? await openMongoAccountStore(config.mongodbUri)
    : openSqliteAccountStore(config.dataDir);
  const securityEvents = config.mongodbUri
    ? await openMongoEventStore(config.mongodbUri)
    : openSqliteEventStore(config.dataDir);

  const sessions = config.redisUrl
    ? await openRedisSessionStore(config.redisUrl)
    : { store: new session.MemoryStore(), client: null, close: async () => {} };
  // The guessing limits share the sessions' Redis connection, under keys of their own.
  const guessingLimits = createGuessingLimits(DEFAULT_GUESSING_LIMITS, sessions.client);

  const accountsText = config.mongodbUri
    ? `accounts in MongoDB at ${describeUrl(config.mongodbUri)}`
    : `accounts in SQLite under ${config.dataDir} (embedded default)`;
  const sessionsText = config.redisUrl
    ? `sessions in Redis at ${describeUrl(config.redisUrl)}`
    : 'sessions in process memory (embedded default, single process only)';
  const limitsText = config.redisUrl
    ? 'guessing limits in Redis'
    : 'guessing limits in process memory';

  return {
    accounts,
    sessionStore: sessions.store,
    guessingLimits,
    securityEvents,
    description: `${accountsText}; ${sessionsText}; ${limitsText}`,
    async close() {
      await Promise.allSettled([accounts.close(), securityEvents.close(), sessions.close()]);
    },
  };
}
