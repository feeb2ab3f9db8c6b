import type { System } from './systems.js';

/** One child process of a bench run. */
export interface PlannedRun {
  /** Unique key of this run in the results, e.g. `throughput/bullmq`. */
  readonly id: string;
  /** File under bench/scenarios/, without `.ts`. */
  readonly scenario: string;
  readonly system: System;
  readonly args: readonly string[];
  readonly nodeFlags: readonly string[];
  /** The runner kills the child after this long and reports a failure. */
  readonly timeoutMs: number;
  /** Run this many times (each in a fresh process) and keep the run with the median `by`. */
  readonly repeat?: { readonly times: number; readonly by: string };
}

/** The sizes of a run; quick mode divides them by about ten. */
export interface Sizes {
  readonly throughput: number;
  readonly delayed: number;
  readonly waiting: number;
  readonly heap: readonly [number, number];
  readonly redisBytes: number;
  readonly restart: number;
  readonly crons: number;
  readonly cronSeconds: number;
  /** Throughput is noisy on a small machine: it runs this many times, and the median counts. */
  readonly throughputRepeats: number;
}

export const FULL: Sizes = {
  throughput: 20_000,
  delayed: 2_000,
  waiting: 100_000,
  heap: [100_000, 1_000_000],
  redisBytes: 100_000,
  restart: 100_000,
  crons: 10_000,
  cronSeconds: 5,
  throughputRepeats: 3,
};

export const QUICK: Sizes = {
  throughput: 2_000,
  delayed: 200,
  waiting: 10_000,
  heap: [10_000, 100_000],
  redisBytes: 10_000,
  restart: 10_000,
  crons: 1_000,
  cronSeconds: 2,
  throughputRepeats: 3,
};

const ALL: readonly System[] = ['jobify-memory', 'jobify-redis', 'bullmq'];
const MINUTE = 60_000;
/** Room for a million live actors (about 3.4 GB of heap). */
const BIG_HEAP = '--max-old-space-size=8192';

/** One run per system, ids `<id>/<system>`. */
function perSystem(
  id: string,
  scenario: string,
  systems: readonly System[],
  args: (system: System) => string[],
  timeoutMs: number,
): PlannedRun[] {
  return systems.map((system) => ({
    id: `${id}/${system}`,
    scenario,
    system,
    args: [`--system=${system}`, ...args(system)],
    nodeFlags: [],
    timeoutMs,
  }));
}

function delayedRuns(sizes: Sizes): PlannedRun[] {
  const burst = [`--n=${sizes.delayed}`, '--spread=0', '--waiting=0'];
  const spread = [`--n=${sizes.delayed}`, '--spread=2000', `--waiting=${sizes.waiting}`];
  return [
    ...perSystem('delayed-burst', 'delayed', ALL, () => burst, 4 * MINUTE),
    ...perSystem('delayed-spread', 'delayed', ALL, () => spread, 4 * MINUTE),
  ];
}

function heapRuns(sizes: Sizes): PlannedRun[] {
  return sizes.heap.flatMap((n) =>
    ['memory', 'false'].map((storage) => ({
      id: `heap-${n}-${storage}/jobify-memory`,
      scenario: 'heap',
      system: 'jobify-memory' as const,
      args: [`--n=${n}`, `--storage=${storage}`],
      nodeFlags: ['--expose-gc', BIG_HEAP],
      timeoutMs: 5 * MINUTE,
    })),
  );
}

function restartRuns(sizes: Sizes, namespace: string): PlannedRun[] {
  return ['seed', 'start'].map((phase) => ({
    id: `restart-${phase}/jobify-redis`,
    scenario: 'restart',
    system: 'jobify-redis' as const,
    args: [`--phase=${phase}`, `--n=${sizes.restart}`, `--namespace=${namespace}`],
    nodeFlags: [],
    timeoutMs: 4 * MINUTE,
  }));
}

/** Every child process of a run, in order; `restartNamespace` links the two restart phases. */
export function planRuns(sizes: Sizes, restartNamespace: string): PlannedRun[] {
  const redisSystems = ['jobify-redis', 'bullmq'] as const;
  return [
    ...(['noop', 'yield'] as const).flatMap((work) =>
      perSystem(
        work === 'noop' ? 'throughput' : 'throughput-stored',
        'throughput',
        ALL,
        () => [`--n=${sizes.throughput}`, `--work=${work}`],
        3 * MINUTE,
      ).map((run) => ({ ...run, repeat: { times: sizes.throughputRepeats, by: 'jobsPerSec' } })),
    ),
    ...delayedRuns(sizes),
    ...heapRuns(sizes),
    ...perSystem(
      'redis-bytes',
      'redis-bytes',
      redisSystems,
      () => [`--n=${sizes.redisBytes}`],
      4 * MINUTE,
    ),
    ...restartRuns(sizes, restartNamespace),
    ...perSystem(
      'cron',
      'cron',
      ALL,
      () => [`--n=${sizes.crons}`, `--seconds=${sizes.cronSeconds}`],
      3 * MINUTE,
    ),
  ];
}
