/**
 * Whether a moment (milliseconds, read from the server clock earlier) lies within the last
 * windowMs. A moment in the future does not: the clock went back, or the value was not ours.
 */
export function happenedWithin(at: number | undefined, windowMs: number, now: Date): boolean {
  if (at === undefined) return false;

  const age = now.getTime() - at;
  return age >= 0 && age < windowMs;
}
