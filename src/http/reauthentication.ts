import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { happenedWithin } from '../time-window.js';
import { passwordConfirmedWithin } from './session.js';

/** The changes that need the password typed again, and how the confirmation page names them. */
export const SENSITIVE_CHANGES: Record<string, string> = {
  '/security/two-factor/enable': 'turn on Two-Factor Authentication',
  '/security/two-factor/connect': 'turn on Two-Factor Authentication',
  '/security/two-factor/disable': 'turn off Two-Factor Authentication',
  '/security/backup-codes/new': 'make new backup codes',
};

export const CONFIRM_PASSWORD_PATH = '/security/confirm-password';

/**
 * A signed-in session alone does not reach the changes that weaken or reveal the second
 * factor: the password must have been typed again within the window (the "sudo" window),
 * so a browser left signed in is not enough.
 */
export function requireRecentPassword(windowMs: number, now: () => Date): RequestHandler {
  return function checkRecentPassword(req: Request, res: Response, next: NextFunction): void {
    if (passwordConfirmedWithin(req, windowMs, now())) return next();

    res.redirect(303, `${CONFIRM_PASSWORD_PATH}?next=${encodeURIComponent(req.path)}`);
  };
}

/**
 * Turning two-factor on is let through for a while after the password was typed to sign in,
 * so the documented click-path (sign in, then Security Settings, then Enable) asks for it
 * once. Later, a session left open would let someone else tie the account to their phone
 * and lock the owner out, so the password is asked again.
 */
export function requireRecentPasswordOrSignIn(windowMs: number, now: () => Date): RequestHandler {
  const recentPassword = requireRecentPassword(windowMs, now);

  return function checkRecentSignIn(req: Request, res: Response, next: NextFunction): void {
    if (happenedWithin(req.session.signedInAt, windowMs, now())) return next();

    recentPassword(req, res, next);
  };
}

/** Where to go after confirming: one of the sensitive pages, never anywhere else. */
export function sensitiveChangeAfterConfirming(candidate: unknown): string | null {
  return typeof candidate === 'string' && Object.hasOwn(SENSITIVE_CHANGES, candidate)
    ? candidate
    : null;
}
