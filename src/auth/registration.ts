import type { Account, AccountStore } from '../stores/account-store.js';
import type { Registration } from '../forms.js';
import { normalizeEmail } from '../forms.js';
import { hashPassword } from './passwords.js';

/** Creates the account; DuplicateEmailError from the store means the email is taken. */
export async function registerAccount(
  accounts: AccountStore,
  registration: Registration,
): Promise<Account> {
  const passwordHash = await hashPassword(registration.password);

  return accounts.createAccount({
    email: registration.email,
    emailNormalized: normalizeEmail(registration.email),
    firstName: registration.firstName,
    lastName: registration.lastName,
    passwordHash,
  });
}
