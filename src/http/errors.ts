import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { SecretUnreadableError } from '../crypto/key-ring.js';
import type { Logger } from '../log.js';
import { MESSAGES } from '../messages.js';
import { safeReturnPath } from './session.js';

const FORM_METHODS = ['GET', 'HEAD', 'POST'];

/**
 * Forms with fields worth keeping when a stale token stops them: shown again, filled in as
 * sent, except passwords. The other forms hold only a password or a code, which is never
 * kept, so a link back to a fresh form loses nothing.
 */
const REFILLABLE_FORMS: Record<string, { view: string; title: string; fields: string[] }> = {
  '/login': { view: 'login', title: 'Sign in', fields: ['email'] },
  '/register': {
    view: 'register',
    title: 'Create your account',
    fields: ['firstName', 'lastName', 'email'],
  },
};

function renderError(
  res: Response,
  status: number,
  title: string,
  message: string,
  link: string,
): void {
  // If even the error page cannot be drawn, a plain line still goes out instead of Express's
  // default page, which shows a stack trace outside production.
  res.status(status).render('error', { title, message, link }, (error: unknown, html?: string) => {
    if (error) res.status(500).type('text/plain').send('Something went wrong on our side.');
    else res.send(html);
  });
}

/** Every page is a GET and every form a POST; anything else is answered before any check. */
export function refuseOtherMethods(req: Request, res: Response, next: NextFunction): void {
  if (FORM_METHODS.includes(req.method)) return next();

  res.set('Allow', FORM_METHODS.join(', '));
  renderError(res, 405, 'Not allowed', 'This address cannot be used that way.', '/');
}

function refillForm(req: Request, res: Response): boolean {
  const form = REFILLABLE_FORMS[req.path];
  if (req.method !== 'POST' || form === undefined) return false;

  const body = (req.body ?? {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const field of form.fields) {
    const value = body[field];
    if (typeof value === 'string') values[field] = value.slice(0, 254);
  }

  res.status(403).render(form.view, {
    title: form.title,
    values,
    next: safeReturnPath(body.next),
    errors: { form: MESSAGES.formExpired },
  });
  return true;
}

export function handleNotFound(_req: Request, res: Response): void {
  renderError(res, 404, 'Page not found', 'There is no page at this address.', '/');
}

/**
 * The three outcomes stay apart: customer mistakes were answered by the routes already; what
 * reaches here is a stale form (403), a request the parser refused (4xx) or a fault of ours
 * (500, logged, shown without detail).
 */
export function handleErrors(logger: Logger): ErrorRequestHandler {
  return function renderErrorPage(error: unknown, req, res, next) {
    if (res.headersSent) return next(error);

    const { code, status, type } = (error ?? {}) as {
      code?: string;
      status?: number;
      type?: string;
    };

    if (code === 'EBADCSRFTOKEN') {
      // Usually a page left open past the session's idle timeout. Nothing was changed; the
      // form comes back with what was typed, or the GET of the same address gives a fresh one
      // (sign-out has none, so it goes home).
      logger.info({ event: 'request.csrf_rejected', path: req.path, ip: req.ip }, 'csrf rejected');
      if (refillForm(req, res)) return;

      const retry = req.method === 'POST' && req.path !== '/logout' ? req.originalUrl : '/';
      return renderError(res, 403, 'Please try again', MESSAGES.formExpired, retry);
    }

    if (error instanceof SecretUnreadableError) {
      // A stored TOTP secret that does not open (its key left the ring, or the record was
      // altered): no code can be checked, so the step fails closed. An operator must act; the
      // customer is told it is on our side, without a stack trace.
      logger.error(
        {
          event: 'two_factor.secret_unreadable',
          accountId: error.accountId,
          keyId: error.keyId,
          reason: error.reason,
          path: req.path,
          ip: req.ip,
        },
        'TOTP secret could not be opened',
      );
      return renderError(
        res,
        503,
        'Two-step verification unavailable',
        MESSAGES.twoFactorUnavailable,
        '/',
      );
    }

    if (typeof status === 'number' && status >= 400 && status < 500) {
      logger.info({ event: 'request.rejected', path: req.path, status, type }, 'request rejected');
      return renderError(res, status, 'Request not accepted', 'The form could not be read.', '/');
    }

    logger.error({ event: 'request.failed', path: req.path, err: error }, 'request failed');
    renderError(
      res,
      500,
      'Something went wrong',
      'Something went wrong on our side. Please try again in a moment.',
      '/',
    );
  };
}
