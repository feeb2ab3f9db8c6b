import { type Jobify, createJobify, memoryStorage, redisStorage } from '../../src/index.js';
import { BENCH_PREFIX, REDIS_URL } from './redis.js';

/** The systems a scenario can run against. */
export const SYSTEMS = ['jobify-memory', 'jobify-redis', 'bullmq'] as const;
export type System = (typeof SYSTEMS)[number];

/** A jobify app as the bench runs it: silent, on the system clock, memory or Redis storage. */
export function createBenchApp(system: Exclude<System, 'bullmq'>, namespace: string): Jobify {
  const storage = system === 'jobify-redis' ? redisStorage({ url: REDIS_URL }) : memoryStorage();
  return createJobify({ logger: false, storage, namespace });
}

/** Set by bench/run.ts for its children, so it can sweep what a failed child left behind. */
export const RUN_ID_ENV = 'JOBIFY_BENCH_RUN_ID';

/** A name of this run for a scenario: a jobify namespace or a BullMQ queue name. */
export function benchName(scenario: string, runId = process.env[RUN_ID_ENV]): string {
  return `${BENCH_PREFIX}-${scenario}-${runId ?? process.pid}`;
}

/** The key pattern of a jobify namespace (its hash tag) or of a BullMQ queue. */
export function keyPattern(system: System, name: string): string {
  return system === 'bullmq' ? `bull:${name}:*` : `{${name}}:*`;
}

/** BullMQ's connection options for the same Redis. */
export function bullConnection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

/** One day: "far in the future" for jobs that must only wait. */
export const FAR_FUTURE_MS = 24 * 60 * 60 * 1000;
