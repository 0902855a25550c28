import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import session, { type Store } from 'express-session';
import mongoose from 'mongoose';
import { createClient } from 'redis';
import type { AccountStore, SealedSecret } from '../../src/stores/account-store.js';
import type { SecurityEventStore } from '../../src/stores/event-store.js';
import { openMongoAccountStore } from '../../src/stores/mongo-accounts.js';
import { openMongoEventStore } from '../../src/stores/mongo-events.js';
import { openSqliteAccountStore } from '../../src/stores/sqlite-accounts.js';
import { openSqliteEventStore } from '../../src/stores/sqlite-events.js';
import { openRedisSessionStore } from '../../src/stores/open-stores.js';
import {
  createGuessingLimits,
  DEFAULT_GUESSING_LIMITS,
  type GuessingLimits,
  type GuessingLimitSettings,
} from '../../src/auth/guessing-limits.js';

/**
 * The two store pairs every flow runs against: the embedded default (SQLite + in-process
 * sessions) and the production pair (MongoDB + Redis) over real connections to the servers
 * that scripts/services.sh starts.
 */
export interface OpenedStores {
  accounts: AccountStore;
  sessionStore: Store;
  /** Guessing limits as the pair keeps them: in this process, or in the pair's Redis. */
  guessingLimits(settings?: GuessingLimitSettings): GuessingLimits;
  securityEvents: SecurityEventStore;
  /** Whether the store still holds the session behind this cookie value. */
  holdsSession(cookieValue: string): Promise<boolean>;
  /** What the store keeps for the session behind this cookie value, or null. */
  readSession(cookieValue: string): Promise<Record<string, unknown> | null>;
  /** The account records as the database server keeps them, read and written around the app. */
  raw: RawAccounts;
  close(): Promise<void>;
}

export interface StoredTotp {
  active: SealedSecret | null;
  pending: SealedSecret | null;
}

export interface RawAccounts {
  /** The whole stored row or document of the account, as JSON text. */
  recordText(emailNormalized: string): Promise<string>;
  /** The key id and ciphertext fields exactly as stored. */
  totpFields(emailNormalized: string): Promise<StoredTotp>;
  /** Overwrites the stored active secret's fields, as someone with database access could. */
  writeActiveTotp(emailNormalized: string, sealed: SealedSecret): Promise<void>;
}

/** Straight from the SQLite file with a connection of its own, not through the store. */
function rawSqlite(file: string): RawAccounts {
  const row = (email: string): Record<string, unknown> => {
    const db = new Database(file, { readonly: true });
    try {
      const found = db.prepare('SELECT * FROM accounts WHERE email_normalized = ?').get(email);
      return (found ?? {}) as Record<string, unknown>;
    } finally {
      db.close();
    }
  };
  const sealed = (ciphertext: unknown, keyId: unknown): SealedSecret | null =>
    typeof ciphertext === 'string' && typeof keyId === 'string' ? { keyId, ciphertext } : null;

  return {
    async recordText(email) {
      return JSON.stringify(row(email));
    },
    async totpFields(email) {
      const found = row(email);
      return {
        active: sealed(found.totp_ciphertext, found.totp_key_id),
        pending: sealed(found.pending_totp_ciphertext, found.pending_totp_key_id),
      };
    },
    async writeActiveTotp(email, { keyId, ciphertext }) {
      const db = new Database(file);
      try {
        db.prepare(
          'UPDATE accounts SET totp_ciphertext = ?, totp_key_id = ? WHERE email_normalized = ?',
        ).run(ciphertext, keyId, email);
      } finally {
        db.close();
      }
    },
  };
}

/** Straight from the MongoDB collection through the driver, without the store's schema. */
function rawMongo(connection: mongoose.Connection): RawAccounts {
  const collection = () => connection.collection('accounts');
  const sealed = (field: unknown): SealedSecret | null => {
    const { keyId, ciphertext } = (field ?? {}) as Record<string, unknown>;
    return typeof ciphertext === 'string' && typeof keyId === 'string'
      ? { keyId, ciphertext }
      : null;
  };

  return {
    async recordText(email) {
      return JSON.stringify(await collection().findOne({ emailNormalized: email }));
    },
    async totpFields(email) {
      const found = await collection().findOne({ emailNormalized: email });
      return { active: sealed(found?.totp), pending: sealed(found?.pendingTotp) };
    },
    async writeActiveTotp(email, { keyId, ciphertext }) {
      await collection().updateOne(
        { emailNormalized: email },
        { $set: { 'totp.keyId': keyId, 'totp.ciphertext': ciphertext } },
      );
    },
  };
}

export interface StorePair {
  name: string;
  /** Why this pair cannot run here, or null when it can. */
  unavailable: string | null;
  open(): Promise<OpenedStores>;
}

/** The cookie carries "s:<id>.<signature>", URL-encoded. */
export function sessionIdFromCookie(cookieValue: string): string {
  return decodeURIComponent(cookieValue)
    .replace(/^s:/, '')
    .replace(/\.[^.]*$/, '');
}

function readSession(store: Store, cookieValue: string): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => {
    store.get(sessionIdFromCookie(cookieValue), (error, data) =>
      error ? reject(error) : resolve((data as Record<string, unknown> | undefined) ?? null),
    );
  });
}

/** Each app built on a store adds listeners to it; the tests build many apps on one store. */
function allowManyApps(store: Store): Store {
  store.setMaxListeners(0);
  return store;
}

function embedded(): StorePair {
  return {
    name: 'embedded default (SQLite + in-process sessions)',
    unavailable: null,
    async open(): Promise<OpenedStores> {
      const dir = mkdtempSync(path.join(tmpdir(), 'client-area-test-'));
      const accounts = openSqliteAccountStore(dir);
      const securityEvents = openSqliteEventStore(dir);
      const sessionStore = allowManyApps(new session.MemoryStore());

      return {
        accounts,
        sessionStore,
        guessingLimits: (settings = DEFAULT_GUESSING_LIMITS) =>
          createGuessingLimits(settings, null),
        securityEvents,
        holdsSession: async (cookieValue) =>
          (await readSession(sessionStore, cookieValue)) !== null,
        readSession: (cookieValue) => readSession(sessionStore, cookieValue),
        raw: rawSqlite(path.join(dir, 'accounts.sqlite')),
        async close() {
          await accounts.close();
          await securityEvents.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

export function services(): StorePair {
  const mongodbUri = process.env.TEST_MONGODB_URI;
  const redisUrl = process.env.TEST_REDIS_URL;

  return {
    name: 'MongoDB + Redis (FerretDB and redis-server)',
    unavailable: mongodbUri && redisUrl ? null : 'TEST_MONGODB_URI and TEST_REDIS_URL are not set',
    async open(): Promise<OpenedStores> {
      // A database of its own per suite, so suites never see each other's accounts.
      const database = `client_area_test_${randomBytes(4).toString('hex')}`;
      const uri = withDatabase(mongodbUri as string, database);
      const accounts = await openMongoAccountStore(uri);
      const rawConnection = await mongoose.createConnection(uri).asPromise();
      const securityEvents = await openMongoEventStore(uri);
      const sessions = await openRedisSessionStore(redisUrl as string);
      const inspector = createClient({ url: redisUrl as string });
      await inspector.connect();

      return {
        accounts,
        sessionStore: allowManyApps(sessions.store),
        guessingLimits: (settings = DEFAULT_GUESSING_LIMITS) =>
          createGuessingLimits(settings, sessions.client),
        securityEvents,
        readSession: (cookieValue) => readSession(sessions.store, cookieValue),
        raw: rawMongo(rawConnection),
        async holdsSession(cookieValue) {
          // Asked of Redis itself, not through the store, to see what really is kept there.
          const key = `client-area:sess:${sessionIdFromCookie(cookieValue)}`;
          return (await inspector.exists(key)) === 1;
        },
        async close() {
          await inspector.flushDb();
          await inspector.quit();
          await sessions.close();
          await rawConnection.close();
          await accounts.close();
          await securityEvents.close();
        },
      };
    },
  };
}

/**
 * Opens the pair's stores before the suite's tests and closes them after; the returned
 * function gives the open stores to the tests and hooks that run in between.
 */
export function useStores(pair: StorePair): () => OpenedStores {
  let stores: OpenedStores | undefined;

  before(async function () {
    stores = await pair.open();
  });

  after(async function () {
    await stores?.close();
  });

  return () => {
    if (stores === undefined) throw new Error(`The stores of ${pair.name} are not open`);
    return stores;
  };
}

export function storePairs(): StorePair[] {
  return [embedded(), services()];
}

/**
 * Runs a suite once per store pair. A pair that cannot run fails loudly when the services
 * are required (the test command and CI set REQUIRE_SERVICE_SUITES=1), and otherwise shows
 * up as a pending test with the reason, never as silence.
 */
export function forEachStorePair(
  title: string,
  body: (pair: StorePair) => void,
  pairs: StorePair[] = storePairs(),
): void {
  for (const pair of pairs) {
    describe(`${title} [${pair.name}]`, function () {
      if (pair.unavailable !== null) {
        if (process.env.REQUIRE_SERVICE_SUITES === '1' || process.env.CI) {
          it('has its services running', function () {
            throw new Error(`This suite cannot run: ${pair.unavailable}. Run it through npm test.`);
          });
        } else {
          it(`SKIPPED: ${pair.unavailable} (npm test starts them)`);
        }
        return;
      }
      body(pair);
    });
  }
}
