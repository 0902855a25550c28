import type { Request } from 'express';
import type { PendingSecondFactor } from '../auth/sign-in.js';
import type { Account } from '../stores/account-store.js';

declare module 'express-session' {
  interface SessionData {
    pendingSecondFactor?: PendingSecondFactor;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // Passport puts the signed-in account on req.user.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Account {}
  }
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(error) : resolve()));
  });
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((error: unknown) => (error ? reject(error) : resolve()));
  });
}

/**
 * After the password step: a new session id (the one the visitor had before is worthless to
 * anyone who planted or saw it), holding only who is half-way through signing in.
 */
export async function holdPendingSecondFactor(
  req: Request,
  pending: PendingSecondFactor,
): Promise<void> {
  await regenerate(req);
  req.session.pendingSecondFactor = pending;
  await save(req);
}

/**
 * Signs the account in. Passport's logIn regenerates the session again, dropping the pending
 * state with the old id, and saves it before the caller redirects.
 */
export function signIn(req: Request, account: Account): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logIn(account, (error: unknown) => (error ? reject(error) : resolve()));
  });
}

/** Removes the session from the store, not only the cookie. */
export function endSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.destroy((error: unknown) => (error ? reject(error) : resolve()));
  });
}

export async function abandonPendingSecondFactor(req: Request): Promise<void> {
  delete req.session.pendingSecondFactor;
  await save(req);
}

/** Only paths on this site: "//evil.example" and "/\evil.example" are other sites to a browser. */
export function safeReturnPath(candidate: unknown): string {
  if (typeof candidate !== 'string') return '/';
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(candidate) || candidate.length > 512) return '/';
  return candidate;
}
