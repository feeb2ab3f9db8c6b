import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';
import { InvalidCronError, invalidOption } from '../errors.js';
import { deepEqual } from '../internal/deep-equal.js';

/** Where a run whose time has passed goes: see `applyMisfire` in `misfire.ts`. */
export type MisfirePolicyValue = 'all' | 'skip' | 'once' | { readonly grace: number };

/** Options of {@link Cron}; every field is validated by the constructor. */
export interface CronOptions {
  /** Runs after which the job ends; a positive integer. @default unlimited */
  maxRuns?: number;
  /** Consecutive failures that end the job as `permanently_failed`; a positive integer. @default 10 */
  maxFailures?: number;
  /** Applied on first schedule and on restore. @default MisfirePolicy.ONCE */
  misfirePolicy?: MisfirePolicyValue;
  /** First run at this instant (the misfire policy applies if it is past). */
  startDate?: Date | number;
  /** Arguments for a declarative cron task. @default [] */
  args?: readonly unknown[];
  /** IANA zone the fields are read in. @default the app's tz */
  tz?: string;
}

/**
 * Plain-data form of a {@link Cron} stored inside job snapshots (msgpack-friendly: optional
 * fields are omitted, never `undefined`).
 *
 * @example
 * const spec: CronSpec = new Cron('0 8 * * *').toSpec();
 */
export interface CronSpec {
  expression: string;
  maxRuns?: number;
  maxFailures: number;
  misfirePolicy: MisfirePolicyValue;
  startDate?: number;
  args: unknown[];
  tz?: string;
}

const DEFAULTS = {
  maxFailures: 10,
  misfirePolicy: 'once',
  args: [],
} satisfies Required<Pick<CronOptions, 'maxFailures' | 'misfirePolicy' | 'args'>>;

/** The constructor validates in this zone when none is given: the app's tz is not known yet. */
const VALIDATION_TZ = 'UTC';
/** Cron jobs re-evaluate the same few expressions on every run; bound it so dynamic ones can't leak. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, Compiled>();

/**
 * A parsed expression and its last answer. Many jobs on one expression (every minute, say)
 * ask for the same next occurrence in the same firing; cron-parser (through luxon) takes
 * tens of microseconds per answer, the memo none.
 */
interface Compiled {
  readonly parsed: CronExpression;
  lastAfter: number;
  lastNext: number;
}

/**
 * The misfire policies. `grace(ms)` replays a missed run only if it is at most `ms` late.
 *
 * @example
 * new Cron('0 * * * *', { misfirePolicy: MisfirePolicy.grace(60_000) });
 */
export const MisfirePolicy = Object.freeze({
  ALL: 'all',
  SKIP: 'skip',
  ONCE: 'once',
  grace: (ms: number): { readonly grace: number } => {
    if (!isGrace(ms)) throw invalidOption('grace', 'a finite number of ms >= 0', ms);
    return Object.freeze({ grace: ms });
  },
} as const);

/**
 * Validates an expression and a zone. Accepted: exactly 5 fields (minute precision, second 0),
 * 6 fields (seconds first), or one of cron-parser's `@` aliases (`@daily`, `@hourly`, ...).
 * Day of month and day of week both restricted means either matches (cron-parser's non-strict OR).
 *
 * @throws InvalidCronError naming the expression and the zone, with cron-parser's error as `cause`.
 * @example
 * parseCron('0 8 * * 1-5', 'Europe/Berlin');
 */
export function parseCron(expression: string, tz: string): void {
  compiled(expression, tz);
}

/**
 * Epoch ms of the first instant strictly after `after` that matches `expression` in `tz`.
 * DST (verified with America/New_York): a run inside the skipped hour (02:30 on spring-forward
 * day) moves to 03:30; a run inside the repeated hour (01:30 on fall-back day) fires once, at
 * the first 01:30, when the next run is computed from the previous one.
 *
 * @example
 * nextRunAt('0 8 * * *', Date.parse('2024-06-01T00:00:00Z'), 'Europe/Berlin'); // 06:00Z
 */
export function nextRunAt(expression: string, after: number, tz: string): number {
  if (!Number.isFinite(after)) throw invalidOption('after', 'finite epoch milliseconds', after);
  const entry = compiled(expression, tz);
  if (entry.lastAfter === after) return entry.lastNext;
  try {
    // next() skips a current date that matches exactly, so the result is strictly after.
    entry.parsed.reset(new Date(after));
    const next = entry.parsed.next().getTime();
    entry.lastAfter = after;
    entry.lastNext = next;
    return next;
  } catch (cause) {
    throw new InvalidCronError(expression, tz, cause);
  }
}

/**
 * A cron schedule: an expression plus its run limits, misfire policy, start date, arguments
 * and zone. Validated at once, so a bad expression throws where it is written.
 *
 * @example
 * await report.schedule().cron(new Cron('0 8 * * 1-5', { tz: 'Europe/Berlin', maxRuns: 20 }));
 */
export class Cron {
  readonly expression: string;
  readonly maxRuns: number | undefined;
  readonly maxFailures: number;
  readonly misfirePolicy: MisfirePolicyValue;
  readonly startDate: number | undefined;
  readonly args: readonly unknown[];
  readonly tz: string | undefined;

  constructor(expression: string, options: CronOptions = {}) {
    this.expression = expression;
    this.maxRuns = toPositiveInteger('maxRuns', options.maxRuns);
    this.maxFailures =
      toPositiveInteger('maxFailures', options.maxFailures) ?? DEFAULTS.maxFailures;
    this.misfirePolicy = toMisfirePolicy(options.misfirePolicy ?? DEFAULTS.misfirePolicy);
    this.startDate = toStartDate(options.startDate);
    this.args = toArgs(options.args ?? DEFAULTS.args);
    this.tz = toTz(options.tz);
    parseCron(expression, this.tz ?? VALIDATION_TZ);
  }

  /**
   * First instant strictly after `after` (epoch ms), in `this.tz ?? defaultTz`.
   *
   * @example
   * new Cron('0 8 * * *').nextAfter(Date.now(), 'UTC');
   */
  nextAfter(after: number, defaultTz: string): number {
    return nextRunAt(this.expression, after, this.tz ?? defaultTz);
  }

  /**
   * The plain-data form for snapshots; {@link Cron.fromSpec} reverses it.
   *
   * @example
   * Cron.fromSpec(cron.toSpec()).equals(cron); // true
   */
  toSpec(): CronSpec {
    const { maxRuns, startDate, tz, misfirePolicy: policy } = this;
    return {
      expression: this.expression,
      ...(maxRuns === undefined ? {} : { maxRuns }),
      maxFailures: this.maxFailures,
      misfirePolicy: typeof policy === 'string' ? policy : { grace: policy.grace },
      ...(startDate === undefined ? {} : { startDate }),
      args: [...this.args],
      ...(tz === undefined ? {} : { tz }),
    };
  }

  /**
   * Rebuilds (and revalidates) a Cron from {@link Cron.toSpec}'s output.
   *
   * @example
   * const cron = Cron.fromSpec(snapshot.cron);
   */
  static fromSpec(spec: CronSpec): Cron {
    const { expression, ...options } = spec;
    return new Cron(expression, options);
  }

  /**
   * Same expression, options and args; args are compared structurally, so an identical
   * schedule replaced without `force` is recognised as a no-op.
   *
   * @example
   * new Cron('* * * * *', { args: [{ a: 1 }] }).equals(new Cron('* * * * *', { args: [{ a: 1 }] })); // true
   */
  equals(other: Cron): boolean {
    return (
      this.expression === other.expression &&
      this.maxRuns === other.maxRuns &&
      this.maxFailures === other.maxFailures &&
      this.startDate === other.startDate &&
      this.tz === other.tz &&
      deepEqual(this.misfirePolicy, other.misfirePolicy) &&
      deepEqual(this.args, other.args)
    );
  }
}

function compiled(expression: string, tz: string): Compiled {
  const key = `${tz} ${expression}`; // a zone name has no spaces, so the key is unambiguous
  let parsed = cache.get(key);
  if (parsed === undefined) {
    parsed = { parsed: compile(expression, tz), lastAfter: Number.NaN, lastNext: Number.NaN };
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, parsed);
  }
  return parsed;
}

function compile(expression: string, tz: string): CronExpression {
  if (typeof expression !== 'string') {
    throw invalidOption('expression', 'a cron expression string', expression);
  }
  checkZone(expression, tz);
  const trimmed = expression.trim();
  const fields = trimmed === '' ? [] : trimmed.split(/\s+/);
  const isAlias = fields.length === 1 && trimmed.startsWith('@');
  // Non-strict cron-parser silently fills in missing fields ('* * *' parses), so count them here.
  if (!isAlias && fields.length !== 5 && fields.length !== 6) {
    const reason = `expected 5 fields, 6 fields (seconds first) or an @alias, got ${fields.length}`;
    throw new InvalidCronError(expression, tz, new Error(reason));
  }
  try {
    // Without tz cron-parser reads the fields in the process's zone. Without a hashSeed an `H`
    // field is random on every parse, so it would move after a restart or a cache eviction.
    return CronExpressionParser.parse(trimmed, { tz, hashSeed: trimmed });
  } catch (cause) {
    // cron-parser's own message for an unknown alias is cryptic ('cannot resolve alias "bog"').
    const reason = isAlias ? new Error(`${trimmed} is not a predefined alias`, { cause }) : cause;
    throw new InvalidCronError(expression, tz, reason);
  }
}

// cron-parser accepts an unknown zone and only fails later, on next(), with "Invalid Date".
function checkZone(expression: string, tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch (cause) {
    throw new InvalidCronError(expression, tz, cause);
  }
}

function toPositiveInteger(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalidOption(name, 'a positive integer', value);
  }
  return value;
}

function isGrace(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
}

function toMisfirePolicy(value: unknown): MisfirePolicyValue {
  if (value === 'all' || value === 'skip' || value === 'once') return value;
  const grace = isPlainObject(value) ? value.grace : undefined;
  if (isGrace(grace)) return Object.freeze({ grace });
  throw invalidOption('misfirePolicy', "'all', 'skip', 'once' or MisfirePolicy.grace(ms)", value);
}

function toStartDate(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw invalidOption('startDate', 'a valid Date or epoch milliseconds', value);
  }
  return ms;
}

function toArgs(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw invalidOption('args', 'an array', value);
  return Object.freeze([...(value as unknown[])]);
}

function toTz(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw invalidOption('tz', 'an IANA time zone name such as "Europe/Berlin"', value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
