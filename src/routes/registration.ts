import { Router } from 'express';
import type { RouteContext } from '../app.js';
import { registerAccount } from '../auth/registration.js';
import { readRegistration } from '../forms.js';
import { redirectIfSignedIn } from '../http/guards.js';
import { recordEvent } from '../http/events.js';
import { signIn } from '../http/session.js';
import { MESSAGES } from '../messages.js';
import { DuplicateEmailError } from '../stores/account-store.js';

const WITHOUT_PASSWORDS = (values: Record<string, string>): Record<string, string> => ({
  ...values,
  password: '',
  passwordConfirmation: '',
});

export function registrationRoutes({ accounts, recorder, now }: RouteContext): Router {
  const router = Router();

  router.get('/register', redirectIfSignedIn, (_req, res) => {
    res.render('register', { title: 'Create your account' });
  });

  router.post('/register', redirectIfSignedIn, async (req, res) => {
    const { values, errors } = readRegistration(req.body);
    const page = { title: 'Create your account', values: WITHOUT_PASSWORDS(values) };

    if (Object.keys(errors).length > 0) {
      return res.status(422).render('register', { ...page, errors });
    }

    let account;
    try {
      account = await registerAccount(accounts, values);
    } catch (error) {
      if (!(error instanceof DuplicateEmailError)) throw error;
      return res
        .status(422)
        .render('register', { ...page, errors: { email: MESSAGES.emailTaken } });
    }

    await recordEvent(recorder, req, 'account.registered', { accountId: account.id });
    await signIn(req, account, now());
    res.redirect(303, '/');
  });

  return router;
}
