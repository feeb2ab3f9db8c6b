import type { JobContext } from '../context.js';
import type { Job } from '../job.js';
import type { ErrorClass } from '../scheduling/retry.js';
import type { Task } from '../routing/task.js';
import type { Trigger } from '../actors/job-machine.js';

/**
 * Wraps the execution of a job. Call `next()` once to go on; return without calling it to
 * end the job `success` with what you return.
 *
 * @example
 * const timing: Middleware = async (ctx, next) => {
 *   const start = Date.now();
 *   try { return await next(); } finally { ctx.logger.info({ ms: Date.now() - start }, 'ran'); }
 * };
 */
export type Middleware = (ctx: JobContext, next: () => Promise<unknown>) => Promise<unknown>;

/** What outer middleware sees when a job is created or changed. */
export interface OuterContext {
  /** The job being scheduled (status `pending` for a new one). */
  readonly job: Job;
  readonly trigger: Trigger;
  /** The arguments that will be stored and passed to the task; replace entries to change them. */
  args: unknown[];
  readonly task: Task;
  /** The state of the task's router. */
  readonly state: Record<string, unknown>;
  readonly force: boolean;
  readonly replace: boolean;
  readonly durable: boolean;
  /** Fresh for every scheduling call. */
  readonly requestState: Record<string, unknown>;
}

/**
 * Wraps scheduling. Not calling `next()` drops the job: nothing is scheduled or stored.
 *
 * @example
 * const onlyWeekdays: OuterMiddleware = async (ctx, next) => {
 *   if (new Date().getDay() % 6 !== 0) await next();
 * };
 */
export type OuterMiddleware = (ctx: OuterContext, next: () => Promise<void>) => Promise<void>;

/**
 * Handles an error thrown by a task: return a value to end the job `success` with it, or
 * throw to pass an error on (to retry, then to the job).
 *
 * @example
 * app.addExceptionHandler(RateLimitError, (err, ctx) => ctx.job.id);
 */
export type ExceptionHandler = (error: Error, ctx: JobContext) => unknown;

/** Pairs of error class and handler; a `Map` works. */
export type ExceptionHandlers = Iterable<readonly [ErrorClass, ExceptionHandler]>;
