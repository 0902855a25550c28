import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane). The library's
 * default algorithm is argon2id; it is not named here because its enum is a const enum that
 * isolated-module builds cannot import. A test checks the parameters in the stored hash.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

let dummyHash: Promise<string> | null = null;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Never throws for a malformed stored hash: a check that cannot run is a failed check. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * Spends the same time as a real check, for sign-ins with an unknown email, so the response
 * time does not tell which emails have an account.
 */
export async function verifyAgainstDummyHash(password: string): Promise<false> {
  dummyHash ??= hashPassword('not a real password, only here to spend time');
  await verifyPassword(await dummyHash, password);
  return false;
}
