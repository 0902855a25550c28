import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import session, { type Store } from 'express-session';
import { createClient } from 'redis';
import type { AccountStore } from '../../src/stores/account-store.js';
import { openMongoAccountStore } from '../../src/stores/mongo-accounts.js';
import { openSqliteAccountStore } from '../../src/stores/sqlite-accounts.js';
import { openRedisSessionStore } from '../../src/stores/open-stores.js';

/**
 * The two store pairs every flow runs against: the embedded default (SQLite + in-process
 * sessions) and the production pair (MongoDB + Redis) over real connections to the servers
 * that scripts/services.sh starts.
 */
export interface OpenedStores {
  accounts: AccountStore;
  sessionStore: Store;
  /** Number of sessions held in the store, read from the store itself. */
  countSessions(): Promise<number>;
  close(): Promise<void>;
}

export interface StorePair {
  name: string;
  /** Why this pair cannot run here, or null when it can. */
  unavailable: string | null;
  open(): Promise<OpenedStores>;
}

function embedded(): StorePair {
  return {
    name: 'embedded default (SQLite + in-process sessions)',
    unavailable: null,
    async open(): Promise<OpenedStores> {
      const dir = mkdtempSync(path.join(tmpdir(), 'client-area-test-'));
      const accounts = openSqliteAccountStore(dir);
      const sessionStore = new session.MemoryStore();

      return {
        accounts,
        sessionStore,
        countSessions: () =>
          new Promise((resolve, reject) => {
            sessionStore.length((error, length) => (error ? reject(error) : resolve(length ?? 0)));
          }),
        async close() {
          await accounts.close();
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

function services(): StorePair {
  const mongodbUri = process.env.TEST_MONGODB_URI;
  const redisUrl = process.env.TEST_REDIS_URL;

  return {
    name: 'MongoDB + Redis (FerretDB and redis-server)',
    unavailable:
      mongodbUri && redisUrl ? null : 'TEST_MONGODB_URI and TEST_REDIS_URL are not set',
    async open(): Promise<OpenedStores> {
      // A database of its own per suite, so suites never see each other's accounts.
      const database = `client_area_test_${randomBytes(4).toString('hex')}`;
      const accounts = await openMongoAccountStore(withDatabase(mongodbUri as string, database));
      const sessions = await openRedisSessionStore(redisUrl as string);
      const inspector = createClient({ url: redisUrl as string });
      await inspector.connect();

      return {
        accounts,
        sessionStore: sessions.store,
        async countSessions() {
          return (await inspector.keys('client-area:sess:*')).length;
        },
        async close() {
          await inspector.flushDb();
          await inspector.quit();
          await sessions.close();
          await accounts.close();
        },
      };
    },
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
export function forEachStorePair(title: string, body: (pair: StorePair) => void): void {
  for (const pair of storePairs()) {
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
