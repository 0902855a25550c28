import { strict as assert } from 'node:assert';
import {
  createBackupCodes,
  findBackupCode,
  formatBackupCode,
  normalizeBackupCode,
} from '../src/auth/backup-codes.js';
import { hashPassword } from '../src/auth/passwords.js';
import {
  createOtpauthUri,
  createTotpSecret,
  formatKeyForDisplay,
  matchTotpCode,
  normalizeCodeInput,
} from '../src/auth/totp.js';
import { decodeBase32, totpFromBase32 } from './support/rfc6238.js';

describe('TOTP secrets and the otpauth URI', function () {
  it('ASVS V6.5.3: a new secret is 160 random bits from the CSPRNG, in base32', function () {
    const secrets = new Set(Array.from({ length: 20 }, createTotpSecret));

    assert.equal(secrets.size, 20);
    for (const secret of secrets) assert.equal(decodeBase32(secret).length, 20);
  });

  it('escapes issuer and account names with spaces, colons and non-ASCII letters', function () {
    const uri = createOtpauthUri('Hôte: Cloud & Co', 'zoë doe@exämple.com', 'JBSWY3DPEHPK3PXP');
    const parsed = new URL(uri);
    const [issuer, account, ...rest] = parsed.pathname.slice(1).split(':');

    assert.deepEqual(rest, [], 'only the separating colon is left unescaped');
    assert.equal(decodeURIComponent(issuer as string), 'Hôte: Cloud & Co');
    assert.equal(decodeURIComponent(account as string), 'zoë doe@exämple.com');
    assert.equal(parsed.searchParams.get('issuer'), 'Hôte: Cloud & Co');
    assert.equal(
      parsed.search,
      '?secret=JBSWY3DPEHPK3PXP&issuer=H%C3%B4te%3A%20Cloud%20%26%20Co&algorithm=SHA1&digits=6&period=30',
    );
    assert.match(uri, /^[\x21-\x7e]+$/, 'plain ASCII, nothing a QR reader could mangle');
  });

  it('reads a typed code without its spaces or dashes', function () {
    assert.equal(normalizeCodeInput(' 123 456\t'), '123456');
    assert.equal(normalizeCodeInput('123-456'), '123456');
  });

  it('reads digits typed on a full-width or Arabic-Indic keyboard as the same code', function () {
    assert.equal(normalizeCodeInput('１２３ ４５６'), '123456');
    assert.equal(normalizeCodeInput('٠١٢٣٤٥'), '012345');
    assert.equal(normalizeCodeInput('۶۷۸۹۰۱'), '678901');
  });

  it('shows the key in groups of four', function () {
    assert.equal(formatKeyForDisplay('JBSWY3DPEHPK3PXP'), 'JBSW Y3DP EHPK 3PXP');
  });

  it('a code matches in the current and the previous step only, never without its zeros', async function () {
    const secret = createTotpSecret();
    let at = Date.UTC(2026, 0, 1);
    while (!totpFromBase32(secret, at).startsWith('0')) at += 30_000;
    const code = totpFromBase32(secret, at);

    assert.equal(
      await matchTotpCode(secret, code, { at: new Date(at), pastSteps: 1 }),
      Math.floor(at / 30_000),
    );
    assert.equal(
      await matchTotpCode(secret, code, { at: new Date(at + 30_000), pastSteps: 1 }),
      Math.floor(at / 30_000),
    );
    assert.equal(
      await matchTotpCode(secret, code.slice(1), { at: new Date(at), pastSteps: 1 }),
      null,
    );
    assert.equal(await matchTotpCode(secret, `${code}0`, { at: new Date(at), pastSteps: 1 }), null);
    if (totpFromBase32(secret, at + 60_000) !== code) {
      assert.equal(
        await matchTotpCode(secret, code, { at: new Date(at + 60_000), pastSteps: 1 }),
        null,
      );
    }
  });
});

describe('Backup codes', function () {
  it('ASVS V6.5.2, V6.5.4: ten different codes of 80 bits each, kept only as argon2id hashes', async function () {
    const { codes, records } = await createBackupCodes();

    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{16}$/);
    for (const [i, record] of records.entries()) {
      assert.match(record.hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.ok(!record.hash.includes(codes[i] as string));
    }
  });

  it('NIST 3.1.2.2: reads a backup code in any case, with or without spaces and dashes', async function () {
    const { codes, records } = await createBackupCodes();
    const code = codes[4] as string;
    const shown = formatBackupCode(code);

    assert.match(shown, /^\w{4}-\w{4}-\w{4}-\w{4}$/);
    for (const typed of [shown, shown.toLowerCase(), shown.replace(/-/g, ' '), ` ${code} `]) {
      assert.equal(await findBackupCode(records, typed), records[4]?.id, typed);
    }
    assert.equal(await findBackupCode(records, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'), null);
    assert.equal(await findBackupCode(records, 'short'), null);
  });

  it('reads O as zero and I or L as one, as Crockford base32 does', function () {
    assert.equal(normalizeBackupCode('oil0-abcd'), '0110ABCD');
  });
});

describe('Passwords', function () {
  it("ASVS V11.4.2: passwords are hashed with argon2id at OWASP's recommended cost", async function () {
    const hash = await hashPassword('correct horse battery staple');

    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
