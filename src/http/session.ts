import type { Request } from 'express';
import type { PendingSecondFactor } from '../auth/sign-in.js';
import type { Account } from '../stores/account-store.js';
import { happenedWithin } from '../time-window.js';

declare module 'express-session' {
  interface SessionData {
    pendingSecondFactor?: PendingSecondFactor;
    /** When this session signed in: the start of its absolute lifetime. */
    signedInAt?: number;
    /** When this session last made a request: the start of its idle timeout. */
    lastSeenAt?: number;
    /** The account's session generation at sign-in; see Account.sessionGeneration. */
    generation?: string;
    /** When the password was last typed again for a sensitive change (the sudo window). */
    passwordConfirmedAt?: number;
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

function logIn(req: Request, account: Account): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logIn(account, (error: unknown) => (error ? reject(error) : resolve()));
  });
}

/**
 * Signs the account in. Passport's logIn regenerates the session again, dropping the pending
 * state with the old id; the clock readings that bound its life are saved with it before the
 * caller redirects.
 */
export async function signIn(req: Request, account: Account, now: Date): Promise<void> {
  await logIn(req, account);

  const at = now.getTime();
  req.session.signedInAt = at;
  req.session.lastSeenAt = at;
  req.session.generation = account.sessionGeneration ?? '';
  await save(req);
}

/** Marks this session as the one that stays when the account's other sessions are ended. */
export async function keepThisSession(req: Request, generation: string): Promise<void> {
  req.session.generation = generation;
  await save(req);
}

export async function confirmPasswordInSession(req: Request, now: Date): Promise<void> {
  req.session.passwordConfirmedAt = now.getTime();
  await save(req);
}

export function passwordConfirmedWithin(req: Request, windowMs: number, now: Date): boolean {
  return happenedWithin(req.session.passwordConfirmedAt, windowMs, now);
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
