import { invalidOption } from '../../errors.js';

/**
 * The Redis keys of one namespace. Every name starts with the hash tag `{<namespace>}`, so
 * all of them hash to one Cluster slot and a Lua script may touch them together.
 *
 * @example
 * const keys = redisKeys('billing');
 * keys.jobs; // '{billing}:jobs'
 */
export interface RedisKeys {
  /** HASH: job id → packed record (name, status, dueAt, data, format version). */
  readonly jobs: string;
  /** ZSET: job id scored by its due time, epoch ms. */
  readonly due: string;
  /** STREAM: one small entry per put, delete or set-aside; trimmed, so never the only copy. */
  readonly events: string;
  /** HASH: job id → packed set-aside record (the stored job plus reason and time). */
  readonly setAside: string;
}

/**
 * Builds every key name of a namespace; the only place key names are spelled out.
 *
 * @example
 * const { jobs, due } = redisKeys('jobify'); // '{jobify}:jobs', '{jobify}:due'
 */
export function redisKeys(namespace: string): RedisKeys {
  assertNamespace(namespace);
  const tag = `{${namespace}}`;
  return {
    jobs: `${tag}:jobs`,
    due: `${tag}:due`,
    events: `${tag}:events`,
    setAside: `${tag}:set-aside`,
  };
}

/**
 * A SCAN MATCH pattern for every key of a namespace (glob characters in the namespace are
 * escaped), for tools and tests that clean a namespace up.
 *
 * @example
 * const pattern = namespaceKeyPattern('jobify'); // '{jobify}:*'
 */
export function namespaceKeyPattern(namespace: string): string {
  assertNamespace(namespace);
  return `{${namespace.replace(/[*?[\]\\]/g, '\\$&')}}:*`;
}

/**
 * Throws unless `namespace` can be a hash tag. A brace inside it would end the tag early (or
 * make it empty, so Redis hashes the whole key), and the keys would scatter over slots.
 *
 * @example
 * assertNamespace('jobify'); // ok
 * assertNamespace('a}b'); // throws
 */
export function assertNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace === '' || /[{}]/.test(namespace)) {
    throw invalidOption('namespace', "a non-empty string without '{' or '}'", namespace);
  }
}
