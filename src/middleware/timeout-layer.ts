import type { JobContext } from '../context.js';
import { JobTimeoutError } from '../errors.js';
import { executionOf } from './execution.js';
import type { Middleware } from './types.js';

/** How the timeout layer asks the app's clock actor for a TIMEOUT event. */
export interface TimeoutHooks {
  armTimeout(ctx: JobContext, ms: number): void;
  disarmTimeout(ctx: JobContext): void;
}

/**
 * Bounds one attempt. When the clock actor reports the deadline, the attempt's signal is
 * aborted with a JobTimeoutError and the attempt rejects with it at once. Code that ignores
 * the signal cannot be stopped, only abandoned (documented).
 */
export function timeoutLayer(ms: number, hooks: TimeoutHooks): Middleware {
  return (ctx, next) =>
    new Promise((resolve, reject) => {
      const execution = executionOf(ctx);
      execution.onTimeout = () => {
        const error = new JobTimeoutError(ctx.job.id, ms);
        execution.abort(error);
        reject(error);
      };
      hooks.armTimeout(ctx, ms);
      next()
        .then(resolve, reject)
        .finally(() => {
          execution.onTimeout = undefined;
          hooks.disarmTimeout(ctx);
        });
    });
}
