import type { Response } from 'express';
import type { GuessingLimits } from '../auth/guessing-limits.js';
import type { TriesLeft } from '../auth/limited-checks.js';
import { MESSAGES } from '../messages.js';

/** Adds how many tries remain once few do; earlier it would only be noise. */
export function withTriesLeft(limits: GuessingLimits, message: string, left: TriesLeft): string {
  if (left.triesLeft > limits.settings.warnAtTriesLeft) return message;
  return `${message} ${MESSAGES.triesLeft(left.triesLeft, left.pauseSeconds)}`;
}

/** A pause: sets Retry-After for the 429, and returns the sentence saying when to come back. */
export function pausedFor(res: Response, retryAfterSeconds: number): string {
  res.set('Retry-After', String(retryAfterSeconds));
  return MESSAGES.tooManyAttempts(retryAfterSeconds);
}
