import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from '../log.js';
import { MESSAGES } from '../messages.js';

function renderError(
  res: Response,
  status: number,
  title: string,
  message: string,
  link: string,
): void {
  res.status(status).render('error', { title, message, link });
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
      // Usually a page left open past the session's idle timeout. The GET of the same address
      // gives a fresh form; sign-out has none, so it goes home.
      const retry = req.method === 'POST' && req.path !== '/logout' ? req.originalUrl : '/';
      logger.info({ event: 'request.csrf_rejected', path: req.path, ip: req.ip }, 'csrf rejected');
      return renderError(res, 403, 'Please try again', MESSAGES.formExpired, retry);
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
