import type { SmartRetry } from '../scheduling/retry.js';
import { executionOf } from './execution.js';
import type { Middleware } from './types.js';

/**
 * Decides whether a failed attempt is retried. It never sleeps: it records the delay, and
 * the job machine turns it into the transition running → scheduled (attempt + 1), which is
 * persisted, so a pending retry survives a restart. The error still propagates, so outer
 * middleware sees every failed attempt.
 */
export function retryLayer(policy: SmartRetry): Middleware {
  return async (ctx, next) => {
    try {
      return await next();
    } catch (error) {
      const execution = executionOf(ctx);
      if (!execution.aborted || isTimeout(execution.reason)) {
        if (policy.shouldRetry(error, ctx.attempt)) {
          execution.retryDelay = policy.computeDelay(ctx.attempt);
        }
      }
      throw error;
    }
  };
}

/** An attempt aborted by its own timeout may be retried; one aborted by cancel or stop not. */
function isTimeout(reason: unknown): boolean {
  return (reason as { code?: unknown } | undefined)?.code === 'JOB_TIMEOUT';
}
