import { Router } from 'express';
import { requireSignedIn } from '../http/guards.js';

export function clientAreaRoutes(): Router {
  const router = Router();

  router.get('/', requireSignedIn, (_req, res) => {
    res.render('home', { title: 'Client area' });
  });

  return router;
}
