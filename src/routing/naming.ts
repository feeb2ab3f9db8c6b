import { invalidOption } from '../errors.js';
import type { ExceptionHandler, ExceptionHandlers } from '../middleware/types.js';
import type { ErrorClass } from '../scheduling/retry.js';

/** Task names may not contain `:`, which separates the prefix from the name. */
export function validateTaskName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.includes(':')) {
    throw invalidOption('name', 'a non-empty task name without ":"', name);
  }
}

/** A prefix is one or more dot-separated segments, none empty, without `:`. */
export function validatePrefix(prefix: unknown): asserts prefix is string {
  if (
    typeof prefix !== 'string' ||
    prefix.includes(':') ||
    prefix.split('.').some((segment) => segment.length === 0)
  ) {
    throw invalidOption('prefix', 'dot-separated, non-empty segments without ":"', prefix);
  }
}

/** `reports` + `daily` → `reports.daily`; a router without a prefix adds nothing. */
export function joinPrefixes(prefixes: readonly (string | undefined)[]): string {
  return prefixes.filter((p): p is string => p !== undefined && p !== '').join('.');
}

/** `reports.daily` + `generate` → `reports.daily:generate`; no prefix → the name alone. */
export function qualifyName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}:${name}`;
}

/** Validates handler pairs once; a later pair for the same class replaces an earlier one. */
export function toHandlerMap(
  option: string,
  handlers: ExceptionHandlers | undefined,
): Map<ErrorClass, ExceptionHandler> {
  const map = new Map<ErrorClass, ExceptionHandler>();
  if (handlers === undefined) return map;
  if (typeof (handlers as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw invalidOption(
      option,
      'an iterable of [ErrorClass, handler] pairs (a Map works)',
      handlers,
    );
  }
  for (const pair of handlers) {
    addHandler(map, option, pair[0], pair[1]);
  }
  return map;
}

export function addHandler(
  map: Map<ErrorClass, ExceptionHandler>,
  option: string,
  errorClass: unknown,
  handler: unknown,
): void {
  if (typeof errorClass !== 'function') {
    throw invalidOption(`${option} error class`, 'an Error class', errorClass);
  }
  if (typeof handler !== 'function')
    throw invalidOption(`${option} handler`, 'a function', handler);
  map.set(errorClass as ErrorClass, handler as ExceptionHandler);
}
