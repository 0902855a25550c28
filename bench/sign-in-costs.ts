/**
 * What each sign-in check costs on this machine, side by side in one run (machines here are
 * noisy, so only figures from the same run compare). Run: npm run bench
 */
import { performance } from 'node:perf_hooks';
import { createBackupCodes, findBackupCode } from '../src/auth/backup-codes.js';
import { hashPassword, verifyAgainstDummyHash, verifyPassword } from '../src/auth/passwords.js';
import { createTotpSecret, matchTotpCode } from '../src/auth/totp.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);

async function measure(label: string, run: () => Promise<unknown>): Promise<string> {
  await run();
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];

  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }

  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const p90 = times[Math.floor(times.length * 0.9)] ?? 0;
  const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  return [
    label.padEnd(44),
    median.toFixed(2).padStart(9),
    p90.toFixed(2).padStart(9),
    rssGrowth.toFixed(1).padStart(8),
  ].join(' ');
}

async function main(): Promise<void> {
  const hash = await hashPassword('correct horse battery staple');
  const { codes, records } = await createBackupCodes();
  const secret = createTotpSecret();
  const now = new Date();

  const rows = [
    await measure('password: hash (argon2id 19 MiB, t=2)', () => hashPassword('a new password')),
    await measure('password: verify, right', () =>
      verifyPassword(hash, 'correct horse battery staple'),
    ),
    await measure('password: verify, wrong', () => verifyPassword(hash, 'wrong')),
    await measure('password: unknown email (dummy hash)', () => verifyAgainstDummyHash('x')),
    await measure('backup code: first of 10 matches', () =>
      findBackupCode(records, codes[0] ?? ''),
    ),
    await measure('backup code: last of 10 matches', () => findBackupCode(records, codes[9] ?? '')),
    await measure('backup code: none of 10 (worst case)', () =>
      findBackupCode(records, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'),
    ),
    await measure('TOTP code: check (otplib)', () =>
      matchTotpCode(secret, '123456', { at: now, pastSteps: 1 }),
    ),
  ];

  process.stdout.write(
    `${ROUNDS} rounds each, milliseconds per check, on Node ${process.version}\n`,
  );
  process.stdout.write(
    `${'check'.padEnd(44)} ${'median'.padStart(9)} ${'p90'.padStart(9)} ${'RSS +MiB'.padStart(8)}\n`,
  );
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
