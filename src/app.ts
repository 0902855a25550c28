import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import passportModule from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { csrfSync } from 'csrf-sync';
import type { Config } from './config.js';
import type { KeyRing } from './crypto/key-ring.js';
import type { Logger } from './log.js';
import type { AccountStore } from './stores/account-store.js';
import type { SecurityEventStore } from './stores/event-store.js';
import type { EventRecorder } from './http/events.js';
import { checkPassword } from './auth/sign-in.js';
import {
  createGuessingLimits,
  DEFAULT_GUESSING_LIMITS,
  type GuessingLimits,
} from './auth/guessing-limits.js';
import { noStore } from './http/guards.js';
import { enforceSessionLifetime } from './http/session-lifetime.js';
import { handleErrors, handleNotFound, refuseOtherMethods } from './http/errors.js';
import { registrationRoutes } from './routes/registration.js';
import { signInRoutes } from './routes/sign-in.js';
import { clientAreaRoutes } from './routes/client-area.js';
import { securityRoutes } from './routes/security.js';
import { confirmPasswordRoutes } from './routes/confirm-password.js';
import { backupCodeRoutes } from './routes/backup-codes.js';
import { sessionRoutes } from './routes/sessions.js';

export interface AppDependencies {
  config: Config;
  accounts: AccountStore;
  sessionStore: Store;
  securityEvents: SecurityEventStore;
  logger: Logger;
  /** Seals and opens the TOTP secrets: TOTP_ENCRYPTION_KEY, or the embedded default's file. */
  totpKeys: KeyRing;
  /** The server clock; tests pass their own to step through time. */
  now?: () => Date;
  /** Limits on wrong guesses; in this process only when left out, which production refuses. */
  guessingLimits?: GuessingLimits;
}

export type PassportInstance = InstanceType<typeof passportModule.Passport>;

/** What every route module is given. */
export interface RouteContext {
  accounts: AccountStore;
  config: Config;
  logger: Logger;
  passport: PassportInstance;
  now: () => Date;
  totpKeys: KeyRing;
  guessingLimits: GuessingLimits;
  /** Where security events go: the log, and the account's security activity. */
  recorder: EventRecorder;
  securityEvents: SecurityEventStore;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// views/ and public/ sit at the project root, one level above src/ when run from source and
// two above dist/src/ when compiled.
const root = path.resolve(here, path.basename(path.dirname(here)) === 'dist' ? '../..' : '..');

function createPassport(accounts: AccountStore): PassportInstance {
  // An instance of its own rather than Passport's global one, so several apps (as in the
  // tests) never share strategies or serializers.
  const passport = new passportModule.Passport();

  passport.use(
    new LocalStrategy({ usernameField: 'email', session: true }, (email, password, done) => {
      // The failure travels as Passport's info (the reason, and the account a wrong password
      // was typed for), for the log and that account's activity only: the customer sees one
      // message for an unknown email and a wrong password alike.
      checkPassword(accounts, email, password).then(
        (check) =>
          check.ok
            ? done(null, check.account)
            : done(null, false, { message: check.reason, ...check }),
        done,
      );
    }),
  );
  passport.serializeUser((account, done) => done(null, account.id));
  passport.deserializeUser((id: string, done) => {
    // An account that no longer exists ends the session instead of failing the request.
    accounts.findById(id).then((account) => done(null, account ?? false), done);
  });
  return passport;
}

/** Builds the client area from its stores and config; does no I/O of its own. */
export function createApp(deps: AppDependencies): Express {
  const { config, accounts, sessionStore, securityEvents, logger, totpKeys } = deps;
  const now = deps.now ?? (() => new Date());
  const guessingLimits = deps.guessingLimits ?? createGuessingLimits(DEFAULT_GUESSING_LIMITS, null);
  // Counts kept in one process would give an attacker a fresh budget on every process and
  // after every restart, so production takes only limits kept in Redis.
  if (config.production && !guessingLimits.shared) {
    throw new Error('In production the guessing limits must be kept in Redis.');
  }
  const passport = createPassport(accounts);
  const recorder: EventRecorder = { logger, events: securityEvents, now };
  const csrf = csrfSync({ getTokenFromRequest: (req) => req.body?._csrf });
  const app = express();

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  app.locals.brand = config.totpIssuer;

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'none'"],
          imgSrc: ["'self'", 'data:'],
          styleSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          // Only behind HTTPS: on a plain-HTTP development machine it would break every form.
          upgradeInsecureRequests: config.production ? [] : null,
        },
      },
      strictTransportSecurity: config.production,
    }),
  );
  app.use(refuseOtherMethods);
  app.use(express.static(path.join(root, 'public'), { index: false, maxAge: '1h' }));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });

  app.use(
    session({
      name: config.sessionCookieName,
      secret: config.sessionSecret,
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.production,
        path: '/',
        // The store forgets a session this long after its last use; the server-side check
        // below enforces the same limit by its own clock.
        maxAge: config.sessionIdleMs,
      },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(
    enforceSessionLifetime(
      { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
      recorder,
      now,
    ),
  );
  // Room for every field at ten times its longest accepted value, so an over-long field gets
  // its own message on the form rather than a refusal of the whole request.
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 }));
  app.use(noStore);
  app.use(function exposePageLocals(req, res, next) {
    res.locals.account = req.user ?? null;
    res.locals.csrfToken = () => csrf.generateToken(req);
    res.locals.errors = {};
    res.locals.values = {};
    next();
  });

  // After the page locals, so a form refused for its token can be shown again with a new one.
  app.use(csrf.csrfSynchronisedProtection);

  const context: RouteContext = {
    accounts,
    config,
    logger,
    passport,
    now,
    totpKeys,
    guessingLimits,
    recorder,
    securityEvents,
  };
  app.use(registrationRoutes(context));
  app.use(signInRoutes(context));
  app.use(clientAreaRoutes());
  app.use(securityRoutes(context));
  app.use(confirmPasswordRoutes(context));
  app.use(backupCodeRoutes(context));
  app.use(sessionRoutes(context));

  app.use(handleNotFound);
  app.use(handleErrors(logger));
  return app;
}
