import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';
import { KeyRing, KeyRingFormatError } from './key-ring.js';

export const KEY_FILE_NAME = 'totp-encryption.key';

export interface EmbeddedKeyRing {
  ring: KeyRing;
  file: string;
  /** True when this start made the key; false when an earlier start had. */
  created: boolean;
}

function readKeyFile(file: string): KeyRing {
  try {
    return KeyRing.parse(readFileSync(file, 'utf8').trim());
  } catch (error) {
    if (!(error instanceof KeyRingFormatError)) throw error;
    throw new ConfigError(`${file} is not a usable TOTP key file: ${error.message}`);
  }
}

/**
 * The embedded default's key for TOTP secrets, when TOTP_ENCRYPTION_KEY is not set: made once
 * into DATA_DIR beside the accounts it protects, then read on every later start. The file
 * holds one entry in TOTP_ENCRYPTION_KEY's own format, so it can be moved into the variable.
 */
export function openEmbeddedKeyRing(dataDir: string): EmbeddedKeyRing {
  const file = path.join(dataDir, KEY_FILE_NAME);
  mkdirSync(dataDir, { recursive: true });

  const { text } = KeyRing.generate(`local-${randomBytes(3).toString('hex')}`);
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(draft, `${text}\n`, { flag: 'wx', mode: 0o600 });

  // link() puts the complete file in place or fails if one is there already, so of two
  // processes starting at once exactly one key wins and neither reads a half-written file.
  let created = true;
  try {
    linkSync(draft, file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    created = false;
  } finally {
    unlinkSync(draft);
  }

  return { ring: readKeyFile(file), file, created };
}
