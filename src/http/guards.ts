import type { NextFunction, Request, Response } from 'express';

/**
 * Who may see what, checked in the same order on every page: a visitor half-way through
 * signing in goes to the second step, an anonymous one to the sign-in page.
 */
export function requireSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();

  if (req.session.pendingSecondFactor) return res.redirect(303, '/login/code');

  const query = req.originalUrl === '/' ? '' : `?next=${encodeURIComponent(req.originalUrl)}`;
  res.redirect(303, `/login${query}`);
}

export function redirectIfSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return res.redirect(303, '/');
  next();
}

/**
 * Every page is personal or carries a form token, and some show a secret, a QR code or backup
 * codes: none may be kept by a browser or proxy cache.
 */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
