import { invalidOption } from '../errors.js';
import type { MisfirePolicyValue } from './cron.js';

/**
 * Where a schedule whose target time has passed goes (reference §2.5). A target at or after
 * `now` is kept whatever the policy. Otherwise:
 * - `'all'`: the target itself, so it fires at once; the runs after it are computed from it, so
 *   every missed run is replayed, one after another, until the schedule catches up;
 * - `'skip'`: the first occurrence after `now`;
 * - `'once'`: `now`, a single catch-up run;
 * - `{ grace: ms }`: the target if it is at most `ms` late, else the first occurrence after
 *   `now - ms` (which may still be in the past, inside the window, and then fires at once).
 *
 * Applied on first schedule and on restore only, never when a cron job reschedules itself.
 *
 * @example
 * applyMisfire(target, Date.now(), MisfirePolicy.SKIP, (after) => cron.nextAfter(after, 'UTC'));
 */
export function applyMisfire(
  target: number,
  now: number,
  policy: MisfirePolicyValue,
  nextAfter: (after: number) => number,
): number {
  if (target >= now) return target;
  switch (policy) {
    case 'all':
      return target;
    case 'skip':
      return nextAfter(now);
    case 'once':
      return now;
    default:
      return applyGrace(target, now, policy, nextAfter);
  }
}

function applyGrace(
  target: number,
  now: number,
  policy: { readonly grace: number },
  nextAfter: (after: number) => number,
): number {
  // A policy restored from storage bypasses Cron's validation, so check the shape here too.
  if (typeof policy !== 'object' || policy === null || !Number.isFinite(policy.grace)) {
    throw invalidOption(
      'misfirePolicy',
      "'all', 'skip', 'once' or MisfirePolicy.grace(ms)",
      policy,
    );
  }
  const cutoff = now - policy.grace;
  return target >= cutoff ? target : nextAfter(cutoff);
}
