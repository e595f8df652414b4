/**
 * After five wrong sign-ins in a row an account is locked for 30 s, and each
 * further failure doubles that, up to an hour. A right password during the
 * lock is refused too; the count resets after a successful sign-in.
 */
export const failuresBeforeLockout = 5;
const firstLockSeconds = 30;
const longestLockSeconds = 60 * 60;

export function lockedUntilAfter(consecutiveFailures: number, now: Date): Date | null {
  if (consecutiveFailures < failuresBeforeLockout) return null;
  const seconds = Math.min(longestLockSeconds, firstLockSeconds * 2 ** (consecutiveFailures - failuresBeforeLockout));
  return new Date(now.getTime() + seconds * 1000);
}
