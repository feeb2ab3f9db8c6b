import { JobifyError, toError } from '../errors.js';

type Layer<C, R> = (ctx: C, next: () => Promise<R>) => Promise<R>;

/**
 * Folds layers around a terminal step, outermost first. Each layer may call `next` at most
 * once; a second call is a bug in that layer and throws.
 *
 * @example
 * const run = compose([logging, timing], (ctx) => task(ctx));
 */
export function compose<C, R>(
  layers: readonly Layer<C, R>[],
  terminal: (ctx: C) => Promise<R>,
): (ctx: C) => Promise<R> {
  if (layers.length === 0) return terminal;
  return (ctx) => {
    let reached = -1;
    const dispatch = (index: number): Promise<R> => {
      if (index <= reached) {
        return Promise.reject(
          new JobifyError('Middleware called next() more than once.', { code: 'MIDDLEWARE' }),
        );
      }
      reached = index;
      const layer = layers[index];
      if (!layer) return terminal(ctx);
      try {
        return Promise.resolve(layer(ctx, () => dispatch(index + 1)));
      } catch (error) {
        return Promise.reject(toError(error));
      }
    };
    return dispatch(0);
  };
}
