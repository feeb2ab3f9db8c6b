import { describe, expect, it } from 'vitest';
import { InvalidCronError, JobifyError } from '../../src/errors.js';
import { Cron, MisfirePolicy, nextRunAt, parseCron } from '../../src/scheduling/cron.js';
import type { CronOptions } from '../../src/scheduling/cron.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('nextRunAt', () => {
  it('reads 5 fields as minute precision with second 0', () => {
    expect(iso(nextRunAt('*/15 * * * *', at('2024-01-01T10:07:42.123Z'), 'UTC'))).toBe(
      '2024-01-01T10:15:00.000Z',
    );
  });

  it('reads 6 fields with seconds first', () => {
    expect(iso(nextRunAt('30 15 10 * * *', at('2024-01-01T10:07:00Z'), 'UTC'))).toBe(
      '2024-01-01T10:15:30.000Z',
    );
  });

  it('accepts a predefined alias', () => {
    expect(iso(nextRunAt('@daily', at('2024-01-01T10:07:00Z'), 'UTC'))).toBe(
      '2024-01-02T00:00:00.000Z',
    );
    expect(iso(nextRunAt('@hourly', at('2024-01-01T10:07:00Z'), 'UTC'))).toBe(
      '2024-01-01T11:00:00.000Z',
    );
  });

  it('returns an instant strictly after `after`, even when `after` matches exactly', () => {
    expect(iso(nextRunAt('*/5 * * * * *', at('2024-01-01T00:00:10.000Z'), 'UTC'))).toBe(
      '2024-01-01T00:00:15.000Z',
    );
    expect(iso(nextRunAt('*/5 * * * * *', at('2024-01-01T00:00:10.500Z'), 'UTC'))).toBe(
      '2024-01-01T00:00:15.000Z',
    );
    expect(iso(nextRunAt('* * * * * *', at('2024-01-01T00:00:10.500Z'), 'UTC'))).toBe(
      '2024-01-01T00:00:11.000Z',
    );
    expect(iso(nextRunAt('* * * * *', at('2024-01-01T00:01:00.000Z'), 'UTC'))).toBe(
      '2024-01-01T00:02:00.000Z',
    );
  });

  it('gives the same answer from the cache as from a fresh parse', () => {
    const after = at('2024-01-01T00:00:10Z');
    const first = nextRunAt('*/7 * * * * *', after, 'UTC');
    nextRunAt('*/7 * * * * *', at('2030-01-01T00:00:00Z'), 'UTC');
    expect(nextRunAt('*/7 * * * * *', after, 'UTC')).toBe(first);
  });

  it('reads the fields in the given zone', () => {
    const after = at('2024-06-01T00:00:00Z');
    expect(iso(nextRunAt('0 8 * * *', after, 'Europe/Berlin'))).toBe('2024-06-01T06:00:00.000Z');
    expect(iso(nextRunAt('0 8 * * *', after, 'UTC'))).toBe('2024-06-01T08:00:00.000Z');
    expect(iso(nextRunAt('0 8 * * *', at('2024-01-10T00:00:00Z'), 'Europe/Berlin'))).toBe(
      '2024-01-10T07:00:00.000Z',
    );
  });

  it('does not read the process zone: UTC results are the UTC wall clock', () => {
    // Whatever TZ the test process has, 'UTC' must give exactly these instants.
    expect(iso(nextRunAt('0 0 * * *', at('2024-03-05T23:59:59Z'), 'UTC'))).toBe(
      '2024-03-06T00:00:00.000Z',
    );
    expect(iso(nextRunAt('30 12 1 * *', at('2024-03-05T00:00:00Z'), 'UTC'))).toBe(
      '2024-04-01T12:30:00.000Z',
    );
  });

  it('moves a run inside the spring-forward gap to the hour after it (America/New_York)', () => {
    const tz = 'America/New_York';
    // 2024-03-10 02:30 does not exist; cron-parser fires at 03:30 EDT (07:30Z).
    const first = nextRunAt('30 2 * * *', at('2024-03-09T12:00:00Z'), tz);
    expect(iso(first)).toBe('2024-03-10T07:30:00.000Z');
    expect(iso(nextRunAt('30 2 * * *', first, tz))).toBe('2024-03-11T06:30:00.000Z');
  });

  it('fires a run inside the repeated fall-back hour once (America/New_York)', () => {
    const tz = 'America/New_York';
    // 2024-11-03 01:30 happens at 05:30Z (EDT) and 06:30Z (EST); only the first is used.
    const first = nextRunAt('30 1 * * *', at('2024-11-02T12:00:00Z'), tz);
    expect(iso(first)).toBe('2024-11-03T05:30:00.000Z');
    expect(iso(nextRunAt('30 1 * * *', first, tz))).toBe('2024-11-04T06:30:00.000Z');
  });

  it('wraps a bad expression in InvalidCronError', () => {
    const error = thrown(() => nextRunAt('61 * * * *', 0, 'UTC'));
    expect(error).toBeInstanceOf(InvalidCronError);
    expect((error as InvalidCronError).message).toContain("'61 * * * *'");
  });

  it('rejects a non-finite `after`', () => {
    expect(() => nextRunAt('* * * * *', Number.NaN, 'UTC')).toThrow(/`after`/);
  });
});

describe('parseCron', () => {
  it.each([
    ['61 * * * *', /61/],
    ['a * * * *', /Invalid characters/],
    ['* * *', /got 3/],
    ['', /got 0/],
    ['* * * * * * *', /got 7/],
    ['@bogus', /@bogus is not a predefined alias/],
  ])('rejects %j with an InvalidCronError naming it', (expression, reason) => {
    const error = thrown(() => parseCron(expression, 'UTC'));
    expect(error).toBeInstanceOf(InvalidCronError);
    const cronError = error as InvalidCronError;
    expect(cronError.message).toContain(`'${expression}'`);
    expect(cronError.message).toMatch(reason);
    expect(cronError.expression).toBe(expression);
    expect(cronError.code).toBe('INVALID_CRON');
    expect(cronError.cause).toBeInstanceOf(Error);
  });

  it('rejects an unknown zone with an InvalidCronError naming it', () => {
    const error = thrown(() => parseCron('* * * * *', 'Mars/Olympus'));
    expect(error).toBeInstanceOf(InvalidCronError);
    expect((error as InvalidCronError).message).toContain('Mars/Olympus');
    expect((error as InvalidCronError).tz).toBe('Mars/Olympus');
    expect((error as InvalidCronError).cause).toBeInstanceOf(RangeError);
  });

  it('accepts 5 fields, 6 fields, aliases and surrounding whitespace', () => {
    for (const expression of ['0 8 * * 1-5', '*/10 * * * * *', '@weekly', '  0 8 * * *  ']) {
      expect(() => parseCron(expression, 'Europe/Berlin')).not.toThrow();
    }
  });
});

describe('Cron', () => {
  it('applies the defaults', () => {
    const cron = new Cron('0 8 * * *');
    expect(cron).toMatchObject({
      expression: '0 8 * * *',
      maxRuns: undefined,
      maxFailures: 10,
      misfirePolicy: MisfirePolicy.ONCE,
      startDate: undefined,
      args: [],
      tz: undefined,
    });
  });

  it('validates the expression at once, in UTC when no zone is given', () => {
    expect(() => new Cron('* * *')).toThrow(InvalidCronError);
    expect(() => new Cron('* * * * *', { tz: 'Nowhere/City' })).toThrow(/Nowhere\/City/);
  });

  it.each<[string, CronOptions]>([
    ['maxFailures', { maxFailures: 0 }],
    ['maxFailures', { maxFailures: -1 }],
    ['maxRuns', { maxRuns: 1.5 }],
    ['maxRuns', { maxRuns: 0 }],
    ['misfirePolicy', { misfirePolicy: 'bogus' as 'all' }],
    ['misfirePolicy', { misfirePolicy: { grace: -1 } }],
    ['startDate', { startDate: new Date(Number.NaN) }],
    ['startDate', { startDate: Number.POSITIVE_INFINITY }],
    ['args', { args: 'x' as unknown as unknown[] }],
    ['tz', { tz: 42 as unknown as string }],
  ])('rejects a bad `%s` naming it', (name, options) => {
    const error = thrown(() => new Cron('* * * * *', options));
    expect(error).toBeInstanceOf(JobifyError);
    expect((error as JobifyError).code).toBe('INVALID_OPTION');
    expect((error as JobifyError).message).toContain(`\`${name}\``);
  });

  it('validates MisfirePolicy.grace', () => {
    expect(MisfirePolicy.grace(1000)).toEqual({ grace: 1000 });
    expect(() => MisfirePolicy.grace(-1)).toThrow(/`grace`/);
    expect(() => MisfirePolicy.grace(Number.NaN)).toThrow(/`grace`/);
  });

  it('takes startDate as a Date or epoch ms', () => {
    const ms = at('2024-05-01T00:00:00Z');
    expect(new Cron('* * * * *', { startDate: new Date(ms) }).startDate).toBe(ms);
    expect(new Cron('* * * * *', { startDate: ms }).startDate).toBe(ms);
  });

  it('computes the next run in its own zone, else in the default one', () => {
    const after = at('2024-06-01T00:00:00Z');
    expect(iso(new Cron('0 8 * * *', { tz: 'Europe/Berlin' }).nextAfter(after, 'UTC'))).toBe(
      '2024-06-01T06:00:00.000Z',
    );
    expect(iso(new Cron('0 8 * * *').nextAfter(after, 'Europe/Berlin'))).toBe(
      '2024-06-01T06:00:00.000Z',
    );
  });

  it('round-trips through toSpec/fromSpec', () => {
    const cron = new Cron('*/5 * * * * *', {
      maxRuns: 3,
      maxFailures: 2,
      misfirePolicy: MisfirePolicy.grace(60_000),
      startDate: new Date('2024-05-01T00:00:00Z'),
      args: [1, 'a', { nested: [true] }],
      tz: 'Europe/Berlin',
    });
    const spec = cron.toSpec();
    expect(spec).toEqual({
      expression: '*/5 * * * * *',
      maxRuns: 3,
      maxFailures: 2,
      misfirePolicy: { grace: 60_000 },
      startDate: at('2024-05-01T00:00:00Z'),
      args: [1, 'a', { nested: [true] }],
      tz: 'Europe/Berlin',
    });
    expect(Cron.fromSpec(spec).equals(cron)).toBe(true);
    expect(Cron.fromSpec(structuredClone(spec)).toSpec()).toEqual(spec);
  });

  it('omits absent optional fields from the spec', () => {
    const spec = new Cron('0 8 * * *').toSpec();
    expect(Object.keys(spec).sort()).toEqual([
      'args',
      'expression',
      'maxFailures',
      'misfirePolicy',
    ]);
    expect(Cron.fromSpec(spec).equals(new Cron('0 8 * * *'))).toBe(true);
  });

  it('compares expression, options and args structurally', () => {
    const args = (): unknown[] => [
      new Date('2024-01-01T00:00:00Z'),
      { a: { b: [1, 2, { c: 'x' }] } },
      new Map([['k', new Set([1, { d: 2 }])]]),
      new Uint8Array([1, 2, 3]),
    ];
    const make = (overrides: CronOptions = {}): Cron =>
      new Cron('0 8 * * *', { args: args(), maxRuns: 2, tz: 'UTC', ...overrides });
    expect(make().equals(make())).toBe(true);
    expect(make().equals(make({ args: [new Date('2024-01-01T00:00:01Z')] }))).toBe(false);
    expect(make().equals(make({ args: [...args().slice(0, 1), { a: { b: [1, 2] } }] }))).toBe(
      false,
    );
    expect(make().equals(make({ maxRuns: 3 }))).toBe(false);
    expect(make().equals(make({ tz: 'Europe/Berlin' }))).toBe(false);
    expect(make().equals(make({ misfirePolicy: MisfirePolicy.SKIP }))).toBe(false);
    expect(make().equals(make({ startDate: 0 }))).toBe(false);
    expect(make().equals(new Cron('0 9 * * *', { args: args(), maxRuns: 2, tz: 'UTC' }))).toBe(
      false,
    );
    expect(
      new Cron('* * * * *', { misfirePolicy: MisfirePolicy.grace(5) }).equals(
        new Cron('* * * * *', { misfirePolicy: { grace: 5 } }),
      ),
    ).toBe(true);
  });
});
