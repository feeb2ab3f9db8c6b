import { toError } from '../errors.js';
import type { ErrorClass } from '../scheduling/retry.js';
import type { ExceptionHandler, Middleware } from './types.js';

/**
 * The handler for `error`: its class chain is walked from the most specific class up, and
 * the first class with a handler wins (so specificity beats level; for one class, the
 * merged map already holds the task's handler over the router's over the app's).
 */
export function findHandler(
  handlers: ReadonlyMap<ErrorClass, ExceptionHandler>,
  error: Error,
): ExceptionHandler | undefined {
  for (
    let proto = Object.getPrototypeOf(error) as { constructor?: unknown } | null;
    proto;
    proto = Object.getPrototypeOf(proto) as { constructor?: unknown } | null
  ) {
    const handler = handlers.get(proto.constructor as ErrorClass);
    if (handler) return handler;
  }
  return undefined;
}

/** A handler's return value ends the attempt `success`; a handler that throws passes its error on. */
export function exceptionLayer(handlers: ReadonlyMap<ErrorClass, ExceptionHandler>): Middleware {
  return async (ctx, next) => {
    try {
      return await next();
    } catch (thrown) {
      const error = toError(thrown);
      const handler = findHandler(handlers, error);
      if (!handler) throw error;
      return await handler(error, ctx);
    }
  };
}
