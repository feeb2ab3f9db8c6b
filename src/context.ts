import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { JobifyError } from './errors.js';
import type { Job } from './job.js';
import type { Jobify } from './app.js';
import type { ResolvedTaskOptions } from './routing/task.js';

/**
 * What a running job knows about itself. Made fresh for every execution (each attempt);
 * never persisted.
 *
 * @example
 * app.task(async function sync(id: number, ctx = getJobContext()) {
 *   if (ctx.signal.aborted) return;
 *   ctx.logger.info({ attempt: ctx.attempt }, 'syncing');
 * });
 */
export interface JobContext<TResult = unknown> {
  readonly job: Job<TResult>;
  readonly app: Jobify;
  /** The state of the task's router (it falls back to parent routers' and the app's). */
  readonly state: Record<string, unknown>;
  /** Fresh for every execution: a place for middleware to hand values to the task. */
  readonly requestState: Record<string, unknown>;
  readonly options: ResolvedTaskOptions;
  /** 1-based attempt of this occurrence. */
  readonly attempt: number;
  /** Aborted on timeout, on cancel and when the app stops. */
  readonly signal: AbortSignal;
  /** A pino child logger bound to the job id and task name. */
  readonly logger: Logger;
  /** True when this run restarts one that was interrupted by a crash or a stop. */
  readonly recovered: boolean;
}

const storage = new AsyncLocalStorage<JobContext>();

/**
 * The context of the job running in the current async scope; throws outside a job. Use it
 * as a default parameter so callers never pass it.
 *
 * @example
 * app.task(async function report(day: string, ctx = getJobContext()) { ctx.logger.info(day); });
 */
export function getJobContext<TResult = unknown>(): JobContext<TResult> {
  const ctx = storage.getStore();
  if (!ctx) {
    throw new JobifyError('getJobContext() was called outside a running job.', {
      code: 'NO_JOB_CONTEXT',
    });
  }
  return ctx as JobContext<TResult>;
}

/** Runs `fn(ctx)` with `ctx` as the current job context. */
export function runInJobContext<T>(ctx: JobContext, fn: (ctx: JobContext) => T): T {
  return storage.run(ctx, fn, ctx);
}
