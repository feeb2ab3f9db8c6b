import { UnrecoverableError, invalidOption } from '../errors.js';

/**
 * Any Error class, whatever its constructor takes (`Error`, `TypeError`, your subclasses).
 *
 * @example
 * const retryOn: ErrorClass[] = [TypeError, HttpError];
 */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Options of {@link SmartRetry}; every field is validated by the constructor. */
export interface SmartRetryOptions {
  /** Retries after the first attempt; a non-negative integer. */
  retries: number;
  /** Delay before the first retry, in ms. @default 500 */
  initialDelay?: number;
  /** Upper bound of any delay, in ms. @default 60_000 */
  maxDelay?: number;
  /** Each delay is the previous one times this; at least 1. @default 2 */
  backoffFactor?: number;
  /** Draw each delay from [d/2, d] so failed jobs don't retry in lockstep. @default true */
  jitter?: boolean;
  /** Only errors that are instances of one of these are retried. @default [Error] */
  include?: readonly ErrorClass[];
  /** Errors that are instances of one of these are never retried. @default [] */
  exclude?: readonly ErrorClass[];
}

const DEFAULTS = {
  initialDelay: 500,
  maxDelay: 60_000,
  backoffFactor: 2,
  jitter: true,
  include: [Error],
  exclude: [],
} satisfies Required<Omit<SmartRetryOptions, 'retries'>>;

/**
 * Exponential backoff with optional jitter, limited to the errors that deserve another try.
 * `UnrecoverableError` is never retried.
 *
 * @example
 * app.task(fetchFeed, { retry: new SmartRetry({ retries: 5, exclude: [SyntaxError] }) });
 */
export class SmartRetry {
  readonly retries: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly backoffFactor: number;
  readonly jitter: boolean;
  readonly include: readonly ErrorClass[];
  readonly exclude: readonly ErrorClass[];

  constructor(options: SmartRetryOptions) {
    const given: Partial<SmartRetryOptions> =
      typeof options === 'object' && options !== null ? options : {};
    this.retries = toCount('retries', given.retries);
    this.initialDelay = toNumber('initialDelay', given.initialDelay ?? DEFAULTS.initialDelay, 0);
    this.maxDelay = toNumber('maxDelay', given.maxDelay ?? DEFAULTS.maxDelay, 0);
    this.backoffFactor = toNumber(
      'backoffFactor',
      given.backoffFactor ?? DEFAULTS.backoffFactor,
      1,
    );
    this.jitter = toBoolean('jitter', given.jitter ?? DEFAULTS.jitter);
    this.include = toClasses('include', given.include ?? DEFAULTS.include);
    this.exclude = toClasses('exclude', given.exclude ?? DEFAULTS.exclude);
  }

  /**
   * Delay in ms before retry number `attempt` (1-based: after the first failure it is
   * `computeDelay(1)`): `d = min(initialDelay * backoffFactor^(attempt-1), maxDelay)`, and with
   * jitter ("equal jitter") `d/2 + random() * d/2`, within [d/2, d]. May be fractional.
   *
   * @example
   * new SmartRetry({ retries: 3, initialDelay: 100, jitter: false }).computeDelay(3); // 400
   */
  computeDelay(attempt: number, random: () => number = Math.random): number {
    if (!Number.isSafeInteger(attempt) || attempt < 1) {
      throw invalidOption('attempt', 'a positive integer', attempt);
    }
    // 0 * Infinity is NaN: a zero delay must stay zero however far the power overflows.
    const raw =
      this.initialDelay === 0 ? 0 : this.initialDelay * this.backoffFactor ** (attempt - 1);
    const delay = Math.min(raw, this.maxDelay);
    return this.jitter ? delay / 2 + (random() * delay) / 2 : delay;
  }

  /**
   * Whether failure number `attempt` (1-based) of `error` earns another attempt: never for
   * `UnrecoverableError` or an `exclude` match, only for an `include` match, and only while
   * `attempt <= retries`.
   *
   * @example
   * new SmartRetry({ retries: 3 }).shouldRetry(new Error('boom'), 3); // true, 4 → false
   */
  shouldRetry(error: unknown, attempt: number): boolean {
    if (error instanceof UnrecoverableError) return false;
    if (this.exclude.some((cls) => error instanceof cls)) return false;
    if (!this.include.some((cls) => error instanceof cls)) return false;
    return attempt <= this.retries;
  }
}

/**
 * The task option `retry` as a SmartRetry: `retry: 3` means `new SmartRetry({ retries: 3 })`.
 *
 * @example
 * toSmartRetry(3)?.retries; // 3
 */
export function toSmartRetry(retry: number | SmartRetry | undefined): SmartRetry | undefined {
  if (retry === undefined || retry instanceof SmartRetry) return retry;
  if (Number.isSafeInteger(retry) && retry >= 0) return new SmartRetry({ retries: retry });
  throw invalidOption('retry', 'a non-negative integer or a SmartRetry', retry);
}

function toCount(name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw invalidOption(name, 'a non-negative integer', value);
}

function toNumber(name: string, value: unknown, min: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  throw invalidOption(name, `a finite number >= ${min}`, value);
}

function toBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalidOption(name, 'a boolean', value);
}

function toClasses(name: string, value: unknown): readonly ErrorClass[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'function')) {
    throw invalidOption(name, 'an array of Error classes', value);
  }
  return Object.freeze([...(value as ErrorClass[])]);
}
