import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { recordEvent, type EventRecorder } from './events.js';
import { happenedWithin } from '../time-window.js';
import { endSession } from './session.js';

export type SessionEnd = 'idle' | 'expired' | 'signed-out-elsewhere';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/**
 * Why a signed-in session may not go on, or null. Judged by the server's own clock readings
 * kept in the session, not by the cookie's expiry, which the browser controls.
 */
export function sessionEnd(req: Request, limits: SessionLimits, now: Date): SessionEnd | null {
  const { signedInAt, lastSeenAt, generation } = req.session;
  const at = now.getTime();

  // A signed-in session without its readings predates them: it gets no benefit of the doubt.
  if (signedInAt === undefined || lastSeenAt === undefined || generation === undefined) {
    return 'expired';
  }
  if (!happenedWithin(signedInAt, limits.absoluteMs, now)) return 'expired';
  if (at - lastSeenAt >= limits.idleMs) return 'idle';

  if (generation !== (req.user?.sessionGeneration ?? '')) return 'signed-out-elsewhere';
  return null;
}

/**
 * Ends a signed-in session that has been idle too long, is past its absolute lifetime, or
 * was signed out from another session of the account; otherwise notes this request for the
 * idle timeout. An ended session is destroyed in the store and the visitor sent to sign in.
 */
export function enforceSessionLifetime(
  limits: SessionLimits,
  recorder: EventRecorder,
  now: () => Date,
): RequestHandler {
  return async function checkSessionLifetime(
    req: Request,
    res: Response,
    next: NextFunction,
  ): Promise<void> {
    if (!req.user) return next();

    const at = now();
    const ended = sessionEnd(req, limits, at);
    if (ended === null) {
      req.session.lastSeenAt = at.getTime();
      return next();
    }

    const accountId = req.user.id;
    await endSession(req);
    req.user = undefined;
    await recordEvent(recorder, req, 'session.ended', { accountId, reason: ended });

    const back = req.method === 'GET' ? req.originalUrl : '/';
    res.redirect(303, `/login?ended=${ended}&next=${encodeURIComponent(back)}`);
  };
}
