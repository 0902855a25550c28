import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { openEmbeddedKeyRing, type EmbeddedKeyRing } from './crypto/key-file.js';
import { createLogger } from './log.js';
import { openStores } from './stores/open-stores.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  let embeddedKey: EmbeddedKeyRing | null = null;
  try {
    config = readConfig(process.env);
    if (config.totpKeys === null) embeddedKey = openEmbeddedKeyRing(config.dataDir);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(78);
  }

  const logger = createLogger(config.logLevel);
  if (config.sessionSecretGenerated) {
    logger.warn(
      { event: 'config.session_secret_generated' },
      'SESSION_SECRET not set: using a random one for this process',
    );
  }

  if (embeddedKey?.created) {
    logger.warn(
      { event: 'config.totp_key_generated', file: embeddedKey.file },
      `TOTP_ENCRYPTION_KEY not set: generated a key for TOTP secrets into ${embeddedKey.file}. ` +
        'Back it up with the accounts: without it no two-factor sign-in works. ' +
        'Production needs TOTP_ENCRYPTION_KEY.',
    );
  } else if (embeddedKey) {
    logger.info(
      { event: 'config.totp_key_file', file: embeddedKey.file },
      `TOTP_ENCRYPTION_KEY not set: TOTP secrets use the key in ${embeddedKey.file}`,
    );
  }
  const totpKeys = config.totpKeys ?? (embeddedKey as EmbeddedKeyRing).ring;

  const stores = await openStores(config);
  logger.info(
    { event: 'server.stores', stores: stores.description },
    `Stores: ${stores.description}`,
  );

  const app = createApp({
    config,
    accounts: stores.accounts,
    sessionStore: stores.sessionStore,
    guessingLimits: stores.guessingLimits,
    securityEvents: stores.securityEvents,
    logger,
    totpKeys,
  });
  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  logger.info(
    { event: 'server.listening', host: config.host, port },
    `Client area on http://${config.host}:${port}`,
  );

  // Responses still being written when the stop begins: each is told to close its
  // connection, so no keep-alive connection holds the stop up for its idle timeout.
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });

  // The PaaS sends SIGTERM on every deploy and restart: stop taking connections, let the
  // requests in flight finish, then close the stores.
  const shutDown = (signal: string): void => {
    logger.info({ event: 'server.stopping', signal, inFlight: inFlight.size }, 'stopping');
    stopping = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');

    setTimeout(() => {
      logger.error({ event: 'server.stop_forced', inFlight: inFlight.size }, 'stop forced');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();

    server.close(() => {
      stores.close().then(
        () => {
          logger.info({ event: 'server.stopped' }, 'stopped');
          process.exit(0);
        },
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
}

main().catch((error: unknown) => {
  process.stderr.write(`The client area could not start: ${String(error)}\n`);
  process.exit(1);
});
