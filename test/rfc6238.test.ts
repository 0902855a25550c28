import { strict as assert } from 'node:assert';

import {
  decodeBase32,
  hotp,
  timeStep,
  totp,
  totpFromBase32,
  type HmacAlgorithm,
} from './support/rfc6238.js';

// The RFC 6238 Appendix B codes come from its reference code, which keys each algorithm with
// a seed as long as the hash output: "1234567890" repeated to 20, 32 and 64 ASCII bytes.
const SEEDS: Record<HmacAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890', 'ascii'),
  sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

interface TotpVector {
  seconds: number;
  step: string;
  algorithm: HmacAlgorithm;
  code: string;
}

// Table from RFC 6238 Appendix B; `step` is the T column (hex) the RFC prints alongside.
const RFC6238_VECTORS: TotpVector[] = [
  { seconds: 59, step: '0000000000000001', algorithm: 'sha1', code: '94287082' },
  { seconds: 59, step: '0000000000000001', algorithm: 'sha256', code: '46119246' },
  { seconds: 59, step: '0000000000000001', algorithm: 'sha512', code: '90693936' },
  { seconds: 1111111109, step: '00000000023523EC', algorithm: 'sha1', code: '07081804' },
  { seconds: 1111111109, step: '00000000023523EC', algorithm: 'sha256', code: '68084774' },
  { seconds: 1111111109, step: '00000000023523EC', algorithm: 'sha512', code: '25091201' },
  { seconds: 1111111111, step: '00000000023523ED', algorithm: 'sha1', code: '14050471' },
  { seconds: 1111111111, step: '00000000023523ED', algorithm: 'sha256', code: '67062674' },
  { seconds: 1111111111, step: '00000000023523ED', algorithm: 'sha512', code: '99943326' },
  { seconds: 1234567890, step: '000000000273EF07', algorithm: 'sha1', code: '89005924' },
  { seconds: 1234567890, step: '000000000273EF07', algorithm: 'sha256', code: '91819424' },
  { seconds: 1234567890, step: '000000000273EF07', algorithm: 'sha512', code: '93441116' },
  { seconds: 2000000000, step: '0000000003F940AA', algorithm: 'sha1', code: '69279037' },
  { seconds: 2000000000, step: '0000000003F940AA', algorithm: 'sha256', code: '90698825' },
  { seconds: 2000000000, step: '0000000003F940AA', algorithm: 'sha512', code: '38618901' },
  { seconds: 20000000000, step: '0000000027BC86AA', algorithm: 'sha1', code: '65353130' },
  { seconds: 20000000000, step: '0000000027BC86AA', algorithm: 'sha256', code: '77737706' },
  { seconds: 20000000000, step: '0000000027BC86AA', algorithm: 'sha512', code: '47863826' },
];

// RFC 4226 Appendix D: HOTP values for counters 0-9 with the 20-byte ASCII seed.
const RFC4226_CODES = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

describe('HOTP helper reproduces RFC 4226 Appendix D', () => {
  RFC4226_CODES.forEach((expected, counter) => {
    it(`counter ${counter} -> ${expected}`, () => {
      assert.equal(hotp(SEEDS.sha1, counter), expected);
    });
  });

  it('accepts a bigint counter and gives the same code as a number', () => {
    assert.equal(hotp(SEEDS.sha1, 9n), RFC4226_CODES[9]);
  });

  it('rejects counters that are not 64-bit unsigned integers', () => {
    assert.throws(() => hotp(SEEDS.sha1, -1), RangeError);
    assert.throws(() => hotp(SEEDS.sha1, 1.5), RangeError);
    assert.throws(() => hotp(SEEDS.sha1, 1n << 64n), RangeError);
  });

  it('rejects digit counts that dynamic truncation cannot provide', () => {
    assert.throws(() => hotp(SEEDS.sha1, 0, { digits: 0 }), RangeError);
    assert.throws(() => hotp(SEEDS.sha1, 0, { digits: 11 }), RangeError);
  });
});

describe('TOTP helper reproduces every RFC 6238 Appendix B vector', () => {
  for (const { seconds, step, algorithm, code } of RFC6238_VECTORS) {
    it(`${algorithm.toUpperCase()} at ${seconds} s -> ${code}`, () => {
      const atMs = seconds * 1000;

      // Checking T separately pins a wrong code on either the time step or the HMAC.
      assert.equal(BigInt(timeStep(atMs)), BigInt(`0x${step}`));

      assert.equal(totp(SEEDS[algorithm], { atMs, digits: 8, algorithm }), code);
    });
  }
});

describe('TOTP helper defaults match authenticator apps (SHA1, 6 digits, 30 s)', () => {
  it('gives the last 6 digits of the 8-digit SHA1 vector', () => {
    // Truncation is modulo 10^digits, so the 6-digit code is the 8-digit one's suffix.
    assert.equal(totp(SEEDS.sha1, { atMs: 59_000 }), '287082');
  });

  it('keeps the same code for the whole 30 s window and changes at its boundary', () => {
    const windowStart = 1111111110 * 1000;
    const code = totp(SEEDS.sha1, { atMs: windowStart });

    assert.equal(totp(SEEDS.sha1, { atMs: windowStart + 29_999 }), code);

    assert.notEqual(totp(SEEDS.sha1, { atMs: windowStart - 1 }), code);
  });

  it('honours a custom period', () => {
    // With a 60 s period, 119 s falls in step 1, which RFC 4226 gives as 287082.
    assert.equal(timeStep(119_000, 60), 1);
    assert.equal(totp(SEEDS.sha1, { atMs: 119_000, periodInSeconds: 60 }), '287082');
  });

  it('totpFromBase32 equals totp on the decoded secret', () => {
    // Base32 of the RFC seed "12345678901234567890".
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

    assert.equal(totpFromBase32(secret, 59_000), '287082');
  });

  it('rejects negative times and non-positive periods', () => {
    assert.throws(() => timeStep(-1), RangeError);
    assert.throws(() => timeStep(0, 0), RangeError);
  });
});

describe('decodeBase32 reads secrets the way authenticator apps do', () => {
  it('decodes the RFC 4648 alphabet', () => {
    assert.equal(decodeBase32('GEZDGNBVGY3TQOJQ').toString('ascii'), '1234567890');
  });

  it('ignores case, spaces and trailing padding', () => {
    assert.equal(decodeBase32('gezd gnbv gy3t qojq').toString('ascii'), '1234567890');
    assert.equal(decodeBase32('JBSWY3DPEE======').toString('ascii'), 'Hello!');
    assert.equal(decodeBase32('jbswy3dpee').toString('ascii'), 'Hello!');
  });

  it('decodes the empty string to an empty buffer', () => {
    assert.equal(decodeBase32('').length, 0);
  });

  it('throws on characters outside the alphabet', () => {
    // 0, 1, 8 and 9 are excluded from base32 precisely because they look like letters.
    assert.throws(() => decodeBase32('GEZDGNBV0Y3TQOJQ'), /Invalid base32 character "0"/);
    assert.throws(() => decodeBase32('GEZD-GNBV'), /Invalid base32 character "-"/);
    assert.throws(() => decodeBase32('GE=ZD'), /Invalid base32 character "="/);
  });
});
