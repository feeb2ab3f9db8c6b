import { describe, expect, it } from 'vitest';
import { MisfirePolicy, nextRunAt } from '../../src/scheduling/cron.js';
import type { MisfirePolicyValue } from '../../src/scheduling/cron.js';
import { applyMisfire } from '../../src/scheduling/misfire.js';

const DAY = 24 * 60 * 60 * 1000;
const now = Date.parse('2024-05-10T12:00:30.000Z');
const everyMinute = (after: number): number => nextRunAt('* * * * *', after, 'UTC');
// The reference's test: a minute cron whose run was due 7 days ago.
const missed = everyMinute(now - 7 * DAY);

describe('applyMisfire', () => {
  it('ALL keeps the oldest missed time, so every missed run is replayed', () => {
    expect(applyMisfire(missed, now, MisfirePolicy.ALL, everyMinute)).toBe(missed);
    expect(new Date(missed).toISOString()).toBe('2024-05-03T12:01:00.000Z');
  });

  it('SKIP moves to the first occurrence after now', () => {
    expect(applyMisfire(missed, now, MisfirePolicy.SKIP, everyMinute)).toBe(
      Date.parse('2024-05-10T12:01:00.000Z'),
    );
  });

  it('ONCE runs now', () => {
    expect(applyMisfire(missed, now, MisfirePolicy.ONCE, everyMinute)).toBe(now);
  });

  it('a grace window that covers the delay keeps the missed time', () => {
    expect(applyMisfire(missed, now, MisfirePolicy.grace(8 * DAY), everyMinute)).toBe(missed);
  });

  it('a grace window shorter than the delay moves to the first occurrence after now - grace', () => {
    expect(applyMisfire(missed, now, MisfirePolicy.grace(6 * DAY), everyMinute)).toBe(
      Date.parse('2024-05-04T12:01:00.000Z'),
    );
  });

  it.each<MisfirePolicyValue>([
    MisfirePolicy.ALL,
    MisfirePolicy.SKIP,
    MisfirePolicy.ONCE,
    MisfirePolicy.grace(0),
    MisfirePolicy.grace(DAY),
  ])('keeps a target that is not in the past (%j)', (policy) => {
    const future = everyMinute(now);
    expect(applyMisfire(future, now, policy, everyMinute)).toBe(future);
    expect(applyMisfire(now, now, policy, everyMinute)).toBe(now);
  });

  it('rejects a malformed policy', () => {
    const bogus = { grace: 'soon' } as unknown as MisfirePolicyValue;
    expect(() => applyMisfire(missed, now, bogus, everyMinute)).toThrow(/`misfirePolicy`/);
  });
});
