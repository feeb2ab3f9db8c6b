import { invalidOption, toError, unknownOption } from '../errors.js';
import type { Job } from '../job.js';
import type { ExceptionHandler, ExceptionHandlers } from '../middleware/types.js';
import { Cron } from '../scheduling/cron.js';
import { type ErrorClass, type SmartRetry, toSmartRetry } from '../scheduling/retry.js';
import { ScheduleBuilder } from '../scheduling/schedule-builder.js';
import type { RouterBase } from './router.js';
import { toHandlerMap, validateTaskName } from './naming.js';

/**
 * Options of `app.task(fn, options)` / `router.task(fn, options)`.
 *
 * @example
 * app.task(sendDigest, { retry: 3, timeout: 30_000, cron: '0 8 * * *' });
 */
export interface TaskOptions {
  /** @default fn.name */
  name?: string;
  /** A schedule started by `app.start()` (job id `cron:<full task name>`). */
  cron?: string | Cron;
  /** `3` means `new SmartRetry({ retries: 3 })`. @default no retries */
  retry?: number | SmartRetry;
  /** Milliseconds per attempt; the attempt's `signal` is aborted and it ends `timeout`. */
  timeout?: number;
  /** Persisted and restored after a restart. @default true */
  durable?: boolean;
  /** Free-form data for middleware (priority, owner, …). @default {} */
  metadata?: Record<string, unknown>;
  exceptionHandlers?: ExceptionHandlers;
}

/** Task options after validation, as `ctx.options` shows them. */
export interface ResolvedTaskOptions {
  readonly name: string;
  readonly cron: Cron | undefined;
  readonly retry: SmartRetry | undefined;
  readonly timeout: number | undefined;
  readonly durable: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly exceptionHandlers: ReadonlyMap<ErrorClass, ExceptionHandler>;
}

const KNOWN_OPTIONS = new Set([
  'name',
  'cron',
  'retry',
  'timeout',
  'durable',
  'metadata',
  'exceptionHandlers',
]);

/** Validates task options once, at registration; every problem names the option. */
export function resolveTaskOptions(
  fn: (...args: never[]) => unknown,
  options: TaskOptions = {},
): ResolvedTaskOptions {
  if (typeof fn !== 'function') throw invalidOption('fn', 'a function', fn);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw unknownOption('task', key, KNOWN_OPTIONS);
  }
  const name = options.name ?? fn.name;
  if (!name) throw invalidOption('name', 'a task name (the function is anonymous)', options.name);
  validateTaskName(name);
  const { timeout, durable = true, metadata = {} } = options;
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))
  ) {
    throw invalidOption('timeout', 'a positive number of ms', timeout);
  }
  if (typeof durable !== 'boolean') throw invalidOption('durable', 'a boolean', durable);
  if (typeof metadata !== 'object' || metadata === null) {
    throw invalidOption('metadata', 'an object', metadata);
  }
  const cron = typeof options.cron === 'string' ? new Cron(options.cron) : options.cron;
  if (cron !== undefined && !(cron instanceof Cron)) {
    throw invalidOption('cron', 'a cron expression or a Cron', cron);
  }
  return {
    name,
    cron,
    retry: toSmartRetry(options.retry),
    timeout,
    durable,
    metadata,
    exceptionHandlers: toHandlerMap('exceptionHandlers', options.exceptionHandlers),
  };
}

/**
 * A registered task: call `schedule(...args)` to pick when it runs, or `push(...args)` to
 * run it now. Arguments are typed from the function.
 *
 * @example
 * const send = app.task(async function send(to: string) { … });
 * await send.schedule('a@b.c').delay(5_000);
 */
export class Task<TArgs extends unknown[] = never[], TResult = unknown> {
  readonly fn: (...args: TArgs) => TResult | Promise<TResult>;
  readonly options: ResolvedTaskOptions;
  readonly #owner: RouterBase;
  #name: string | undefined;
  /** The owner's prefix #name was built from (the same string object while it holds). */
  #nameFrom: string | undefined;

  /** @internal Tasks are made by `app.task` / `router.task`. */
  constructor(
    owner: RouterBase,
    fn: (...args: TArgs) => TResult | Promise<TResult>,
    options: ResolvedTaskOptions,
  ) {
    this.#owner = owner;
    this.fn = fn;
    this.options = options;
  }

  /** Full name: the routers' prefixes joined with `.`, then `:` and the task's own name. */
  get name(): string {
    const prefix = this.#owner.fullPrefix;
    if (this.#name === undefined || prefix !== this.#nameFrom) {
      this.#nameFrom = prefix;
      this.#name = this.#owner.qualify(this.options.name);
    }
    return this.#name;
  }

  /** @internal The router that owns this task. */
  get owner(): RouterBase {
    return this.#owner;
  }

  /**
   * Binds arguments; the builder's `push`, `delay`, `at` and `cron` pick when the job runs.
   * Throws ApplicationStateError unless the task's app is started.
   */
  schedule(...args: TArgs): ScheduleBuilder<TResult> {
    return builderFor<TResult>(this.#owner, this as unknown as Task, args);
  }

  /** Runs the task as soon as possible: `schedule(...args).push()`. */
  push(...args: TArgs): Promise<Job<TResult>> {
    try {
      return builderFor<TResult>(this.#owner, this as unknown as Task, args).push();
    } catch (error) {
      return Promise.reject(toError(error));
    }
  }
}

/** A builder for `task`, with the caller's rest array as the arguments (no second spread). */
function builderFor<TResult>(
  owner: RouterBase,
  task: Task,
  args: unknown[],
): ScheduleBuilder<TResult> {
  return new ScheduleBuilder<TResult>(owner.engineFor(task), task, args);
}
