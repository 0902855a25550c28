import { createHash } from 'node:crypto';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { createClient } from 'redis';
import { normalizeEmail } from '../forms.js';

export type RedisClient = ReturnType<typeof createClient>;

/** How many wrong guesses fit in a window, and how long the pause after the last one lasts. */
export interface GuessBudget {
  tries: number;
  windowSeconds: number;
  pauseSeconds: number;
}

export interface GuessingLimitSettings {
  /** One person at one address typing a password wrong: the owner's own mistakes. */
  passwordPerAccountAndIp: GuessBudget;
  /** One account from every address together: guessing spread over many addresses. */
  passwordPerAccount: GuessBudget;
  /** One address across every account: credential stuffing. */
  passwordPerIp: GuessBudget;
  /** Wrong codes or backup codes for one account, from anywhere. */
  secondFactorPerAccount: GuessBudget;
  /** Consecutive wrong second factors after which app codes are refused (NIST 3.2.2). */
  secondFactorLockAfter: number;
  /** From this many tries left, a wrong guess says how many remain before a pause. */
  warnAtTriesLeft: number;
}

/**
 * The numbers, in one place; the README's table repeats them. An account is never locked
 * for good by these: every pause ends on its own.
 */
export const DEFAULT_GUESSING_LIMITS: GuessingLimitSettings = {
  passwordPerAccountAndIp: { tries: 5, windowSeconds: 15 * 60, pauseSeconds: 15 * 60 },
  passwordPerAccount: { tries: 20, windowSeconds: 60 * 60, pauseSeconds: 30 * 60 },
  passwordPerIp: { tries: 100, windowSeconds: 60 * 60, pauseSeconds: 60 * 60 },
  secondFactorPerAccount: { tries: 5, windowSeconds: 5 * 60, pauseSeconds: 5 * 60 },
  secondFactorLockAfter: 100,
  warnAtTriesLeft: 2,
};

export type LimitName =
  'password-account-ip' | 'password-account' | 'password-ip' | 'second-factor-account';

/** What a wrong guess leaves: a pause that has begun, or the tries left before one. */
export type AfterWrongGuess =
  | { paused: true; limit: LimitName; retryAfterSeconds: number }
  | { paused: false; triesLeft: number; pauseSeconds: number };

/** A try taken from every budget that applies, before the guess is checked. */
export type Guess =
  | { paused: true; limit: LimitName; retryAfterSeconds: number }
  | {
      paused: false;
      /** The guess was wrong: it stays counted; the last try left starts the pause at once. */
      wrong(): Promise<AfterWrongGuess>;
      /** It was no guess at all (a malformed or replayed code): the try is given back. */
      release(): Promise<void>;
      /** It was right: the try is given back and the closest budget starts afresh. */
      succeeded(): Promise<void>;
    };

export interface GuessingLimits {
  readonly settings: GuessingLimitSettings;
  /** True when the counts live in Redis, shared by every process and kept over restarts. */
  readonly shared: boolean;
  guessPassword(ip: string, email: string): Promise<Guess>;
  guessSecondFactor(accountId: string): Promise<Guess>;
}

interface Budget {
  name: LimitName;
  limiter: RateLimiterAbstract;
  pauseSeconds: number;
}

interface Taken {
  budget: Budget;
  key: string;
  result: RateLimiterRes;
}

const KEY_PREFIX = 'client-area:rl:';

function makeBudget(name: LimitName, budget: GuessBudget, redis: RedisClient | null): Budget {
  const options = {
    keyPrefix: `${KEY_PREFIX}${name}`,
    points: budget.tries,
    duration: budget.windowSeconds,
    blockDuration: budget.pauseSeconds,
  };
  const limiter = redis
    ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: true })
    : new RateLimiterMemory(options);
  return { name, limiter, pauseSeconds: budget.pauseSeconds };
}

/** An email's key without the address itself, so Redis holds no customer's email. */
function emailKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 22);
}

function secondsUntil(result: RateLimiterRes): number {
  return Math.max(1, Math.ceil(result.msBeforeNext / 1000));
}

/**
 * Takes one try from each budget. Taking before checking, rather than looking first and
 * counting after, means requests sent all at once cannot all slip through on the same count.
 * Only a wrong guess keeps its try; the others give it back. The first budget is the one
 * closest to the guesser, which a right guess also clears.
 */
async function takeTries(pairs: Array<[Budget, string]>): Promise<Guess> {
  const settled = await Promise.allSettled(
    pairs.map(([budget, key]) => budget.limiter.consume(key)),
  );
  const taken: Taken[] = [];
  const refused: Array<{ budget: Budget; result: RateLimiterRes }> = [];

  for (const [index, outcome] of settled.entries()) {
    const [budget, key] = pairs[index] as [Budget, string];
    if (outcome.status === 'fulfilled') {
      taken.push({ budget, key, result: outcome.value });
      continue;
    }

    // Anything but a refusal is the store failing; the guess is not checked (fails closed).
    if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
    refused.push({ budget, result: outcome.reason });
  }

  const giveBack = async (): Promise<void> => {
    await Promise.all(taken.map(({ budget, key }) => budget.limiter.reward(key)));
  };

  if (refused.length > 0) {
    await giveBack();
    const longest = refused.reduce((a, b) =>
      a.result.msBeforeNext >= b.result.msBeforeNext ? a : b,
    );
    return {
      paused: true,
      limit: longest.budget.name,
      retryAfterSeconds: secondsUntil(longest.result),
    };
  }

  return {
    paused: false,
    release: giveBack,

    async succeeded() {
      await giveBack();
      const closest = taken[0] as Taken;
      await closest.budget.limiter.delete(closest.key);
    },

    async wrong() {
      const spent = taken.filter(({ result }) => result.remainingPoints === 0);
      if (spent.length > 0) {
        // The last try is gone: pause now, so the next request, right or wrong, is refused
        // with the time to wait rather than counted once more.
        await Promise.all(
          spent.map(({ budget, key }) => budget.limiter.block(key, budget.pauseSeconds)),
        );
        const longest = spent.reduce((a, b) =>
          a.budget.pauseSeconds >= b.budget.pauseSeconds ? a : b,
        );
        return {
          paused: true,
          limit: longest.budget.name,
          retryAfterSeconds: longest.budget.pauseSeconds,
        };
      }

      const tightest = taken.reduce((a, b) =>
        a.result.remainingPoints <= b.result.remainingPoints ? a : b,
      );
      return {
        paused: false,
        triesLeft: tightest.result.remainingPoints,
        pauseSeconds: tightest.budget.pauseSeconds,
      };
    },
  };
}

/**
 * The guessing limits: in Redis when a client is given (production: every process shares
 * them, and they outlast a restart), otherwise in this process only (the embedded default).
 */
export function createGuessingLimits(
  settings: GuessingLimitSettings,
  redis: RedisClient | null,
): GuessingLimits {
  const accountAndIp = makeBudget('password-account-ip', settings.passwordPerAccountAndIp, redis);
  const account = makeBudget('password-account', settings.passwordPerAccount, redis);
  const ip = makeBudget('password-ip', settings.passwordPerIp, redis);
  const secondFactor = makeBudget('second-factor-account', settings.secondFactorPerAccount, redis);

  return {
    settings,
    shared: redis !== null,

    guessPassword(address: string, email: string): Promise<Guess> {
      // An unknown email is counted under its own key just like a known one, so neither the
      // counts nor the pauses tell whether an account exists.
      const owner = emailKey(email);
      return takeTries([
        [accountAndIp, `${owner}:${address}`],
        [account, owner],
        [ip, address],
      ]);
    },

    guessSecondFactor(accountId: string): Promise<Guess> {
      return takeTries([[secondFactor, accountId]]);
    },
  };
}
