import type { JobContext } from '../context.js';
import type { RouterBase } from '../routing/router.js';
import type { Task } from '../routing/task.js';
import type { ErrorClass } from '../scheduling/retry.js';
import { compose } from './compose.js';
import { executionOf } from './execution.js';
import { exceptionLayer } from './exception-handlers.js';
import { retryLayer } from './retry-layer.js';
import { timeoutLayer, type TimeoutHooks } from './timeout-layer.js';
import type { ExceptionHandler, Middleware } from './types.js';

/**
 * Handlers for a task, merged so that for one error class the task beats its router, a
 * router beats its parents, and routers beat the app.
 */
export function mergeHandlers(
  lineage: readonly RouterBase[],
  task: Task,
): Map<ErrorClass, ExceptionHandler> {
  const merged = new Map<ErrorClass, ExceptionHandler>();
  for (const node of lineage)
    for (const [cls, handler] of node.exceptionHandlers) merged.set(cls, handler);
  for (const [cls, handler] of task.options.exceptionHandlers) merged.set(cls, handler);
  return merged;
}

/**
 * The execution pipeline of one task: app middleware → router middleware (outer router
 * first) → retry → exception handlers → timeout → the task. `lineage` runs from the app
 * down to the task's router.
 */
export function buildPipeline(
  task: Task,
  lineage: readonly RouterBase[],
  hooks: TimeoutHooks,
): (ctx: JobContext) => Promise<unknown> {
  const layers: Middleware[] = lineage.flatMap((node) => node.middleware);
  const { retry, timeout } = task.options;
  if (retry) layers.push(retryLayer(retry));
  const handlers = mergeHandlers(lineage, task);
  if (handlers.size > 0) layers.push(exceptionLayer(handlers));
  if (timeout !== undefined) layers.push(timeoutLayer(timeout, hooks));
  const fn = task.fn as (...args: unknown[]) => unknown;
  return compose(layers, (ctx) => callTask(fn, executionOf(ctx).args));
}

/**
 * Calls the task now, in the clock's firing, so the first job of a burst does not wait
 * for the last one to be marked running; a synchronous throw becomes a rejection.
 */
function callTask(fn: (...args: unknown[]) => unknown, args: readonly unknown[]): Promise<unknown> {
  try {
    return Promise.resolve(fn(...args));
  } catch (error) {
    // As thrown: the retry policy and exception handlers see what an async task would reject.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}
