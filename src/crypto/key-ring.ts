import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedSecret } from '../stores/account-store.js';

/**
 * AES-256-GCM for the TOTP secrets at rest. The key ring is written as
 * `keyId:base64key[,keyId:base64key...]`: the first key seals every new secret, the others
 * only open secrets sealed under them earlier, so a key can be replaced without locking out
 * the customers whose secrets it sealed.
 */

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96 bits, the IV length GCM is specified for; fresh from the CSPRNG for every seal. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;

/** A key ring that cannot be used as written; the message never repeats any of it. */
export class KeyRingFormatError extends Error {
  override name = 'KeyRingFormatError';
}

/** A sealed secret that does not open: its key is not in the ring, or it was altered. */
export class SecretUnreadableError extends Error {
  override name = 'SecretUnreadableError';

  constructor(
    readonly accountId: string,
    readonly keyId: string,
    readonly reason: 'unknown-key' | 'not-authentic',
  ) {
    super(`The TOTP secret of account ${accountId} could not be opened (${reason}).`);
  }
}

/**
 * Binds a ciphertext to its account and purpose: a sealed secret copied onto another account
 * fails the tag check instead of letting that account sign in with the first one's codes.
 */
function associatedData(accountId: string): Buffer {
  return Buffer.from(`totp-secret:${accountId}`, 'utf8');
}

function decodeKey(text: string, entry: number): Buffer {
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : null;

  if (key === null || key.length !== KEY_BYTES) {
    throw new KeyRingFormatError(
      `entry ${entry} must hold a key of ${KEY_BYTES} random bytes in base64 ` +
        '(for example from `openssl rand -base64 32`).',
    );
  }
  return key;
}

export class KeyRing {
  /** The key bytes stay in a private field: no log line or JSON of the config can show them. */
  readonly #keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  private constructor(keys: Map<string, Buffer>, currentKeyId: string) {
    this.#keys = keys;
    this.currentKeyId = currentKeyId;
  }

  /** Reads `keyId:base64key,...`; throws KeyRingFormatError saying which entry is wrong. */
  static parse(text: string): KeyRing {
    const keys = new Map<string, Buffer>();
    const entries = text.split(',').map((entry) => entry.trim());

    entries.forEach((entry, index) => {
      const position = index + 1;
      const colon = entry.indexOf(':');
      const keyId = colon < 0 ? '' : entry.slice(0, colon);

      if (!KEY_ID.test(keyId)) {
        throw new KeyRingFormatError(
          `entry ${position} must start with a key id of 1 to 32 letters, digits, - or _, ` +
            'then a colon, then the key.',
        );
      }
      if (keys.has(keyId)) {
        throw new KeyRingFormatError(`entry ${position} repeats the key id of an earlier entry.`);
      }
      keys.set(keyId, decodeKey(entry.slice(colon + 1), position));
    });

    return new KeyRing(keys, entries[0]?.split(':')[0] as string);
  }

  /** A ring of one new random key, written in the same form parse() reads. */
  static generate(keyId: string): { ring: KeyRing; text: string } {
    const text = `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
    return { ring: KeyRing.parse(text), text };
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Seals under the current key: iv | tag | ciphertext, in base64url, beside the key id. */
  seal(secret: string, accountId: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(this.currentKeyId) as Buffer, iv);
    cipher.setAAD(associatedData(accountId));

    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]);
    return { keyId: this.currentKeyId, ciphertext: sealed.toString('base64url') };
  }

  /** Opens with the key the sealed secret names; throws SecretUnreadableError otherwise. */
  open(sealed: SealedSecret, accountId: string): string {
    const key = this.#keys.get(sealed.keyId);
    if (key === undefined) throw new SecretUnreadableError(accountId, sealed.keyId, 'unknown-key');

    const bytes = Buffer.from(sealed.ciphertext, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) {
      throw new SecretUnreadableError(accountId, sealed.keyId, 'not-authentic');
    }

    try {
      const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(accountId));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const body = bytes.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(accountId, sealed.keyId, 'not-authentic');
    }
  }
}
