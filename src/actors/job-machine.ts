import { assign, setup } from 'xstate';
import type { CronSpec } from '../scheduling/cron.js';

/**
 * Statuses of a job; each is a state of the job machine.
 *
 * @example
 * if (job.status === JobStatus.SUCCESS) console.log(await job.result());
 */
export const JobStatus = {
  PENDING: 'pending',
  SCHEDULED: 'scheduled',
  RUNNING: 'running',
  SUCCESS: 'success',
  FAILED: 'failed',
  TIMEOUT: 'timeout',
  CANCELLED: 'cancelled',
  PERMANENTLY_FAILED: 'permanently_failed',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Statuses after which a job never runs again. */
export const FINISHED_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>([
  'success',
  'failed',
  'timeout',
  'cancelled',
  'permanently_failed',
]);

/** What made a job due: a push, an instant, or a cron schedule with its progress. */
export type Trigger =
  | { readonly type: 'push' }
  | { readonly type: 'at'; readonly at: number }
  | {
      readonly type: 'cron';
      readonly cron: CronSpec;
      /** The planned instant of the current occurrence; the next one is computed from it. */
      readonly occurrence: number;
      readonly runCount: number;
      /** Consecutive failed runs; a success resets it. */
      readonly failureCount: number;
    };

/** An error as it is kept in a snapshot: plain data, so every serializer can store it. */
export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Arguments of jobs that take none: one shared array instead of one per job. */
export const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** A schedule to apply: on a new job, on replace, or after the current run of a running job. */
export interface ScheduleRequest {
  readonly args: readonly unknown[];
  readonly trigger: Trigger;
  readonly execAt: number;
}

/** Everything needed to resume a job after a restart; this is what storage keeps. */
export interface JobRecord {
  readonly id: string;
  /** Full task name. */
  readonly name: string;
  readonly args: readonly unknown[];
  readonly trigger: Trigger;
  /** When the job is (or was last) due, epoch ms. */
  readonly execAt: number;
  /** 1-based attempt of the current occurrence. */
  readonly attempt: number;
  readonly lastError?: ErrorRecord;
  /** A replacement scheduled while the job was running; applied when the run ends. */
  readonly next?: ScheduleRequest | undefined;
}

export type JobEvent =
  | ({ readonly type: 'SCHEDULE' } & ScheduleRequest)
  | { readonly type: 'DUE' }
  | { readonly type: 'TIMEOUT' }
  | { readonly type: 'CANCEL' }
  | { readonly type: 'SUCCEED'; readonly nextAt?: number }
  | {
      readonly type: 'FAIL';
      readonly error: ErrorRecord;
      readonly timedOut: boolean;
      /** Set when the retry policy grants another attempt. */
      readonly retryAt?: number;
      /** For cron jobs: the next occurrence, if there is one. */
      readonly nextAt?: number;
    };

type RunEnd = Extract<JobEvent, { type: 'SUCCEED' | 'FAIL' }>;

function cronOf(record: JobRecord) {
  return record.trigger.type === 'cron' ? record.trigger : undefined;
}

/** Whether the run that just ended was the cron's last allowed one. */
function reachedMaxRuns(record: JobRecord): boolean {
  const cron = cronOf(record);
  return cron?.cron.maxRuns !== undefined && cron.runCount + 1 >= cron.cron.maxRuns;
}

/** The cron record after a run: counters advanced, next occurrence planned. */
function advanceCron(record: JobRecord, event: RunEnd, failed: boolean): JobRecord {
  const cron = cronOf(record);
  if (!cron || event.nextAt === undefined) return record;
  return {
    ...withoutNext(record),
    trigger: {
      ...cron,
      occurrence: event.nextAt,
      runCount: cron.runCount + 1,
      failureCount: failed ? cron.failureCount + 1 : 0,
    },
    execAt: event.nextAt,
    attempt: 1,
  };
}

// XState's assign merges the returned object into the context, so a field is cleared by
// setting it to undefined, never by leaving it out.
function withoutNext(record: JobRecord): JobRecord {
  return record.next === undefined ? record : { ...record, next: undefined };
}

function applySchedule(record: JobRecord, request: ScheduleRequest): JobRecord {
  return {
    ...withoutNext(record),
    args: request.args,
    trigger: request.trigger,
    execAt: request.execAt,
    attempt: 1,
  };
}

function countFinalRun(record: JobRecord, failed: boolean): JobRecord {
  const cron = cronOf(record);
  if (!cron) return record;
  return {
    ...record,
    trigger: {
      ...cron,
      runCount: cron.runCount + 1,
      failureCount: failed ? cron.failureCount + 1 : 0,
    },
  };
}

type Guard = (context: JobRecord, event: JobEvent) => boolean;
type Reducer = (context: JobRecord, event: JobEvent) => JobRecord;

/**
 * The job machine's guards as plain functions of (context, event). XState calls them
 * through {@link jobMachine}; the engine's interpreter (`job-transition.ts`) calls them
 * directly, so both decide every transition with the same code.
 */
export const jobGuards = {
  hasNext: (context) => context.next !== undefined,
  retryGranted: (_, event) => event.type === 'FAIL' && event.retryAt !== undefined,
  cronContinues: (context, event) =>
    (event.type === 'SUCCEED' || event.type === 'FAIL') &&
    event.nextAt !== undefined &&
    cronOf(context) !== undefined &&
    !reachedMaxRuns(context),
  cronExhaustedByFailures: (context) => {
    const cron = cronOf(context);
    // max runs is checked first: a cron's last allowed run ends with that run's status.
    return (
      cron !== undefined &&
      !reachedMaxRuns(context) &&
      cron.failureCount + 1 >= cron.cron.maxFailures
    );
  },
  timedOut: (_, event) => event.type === 'FAIL' && event.timedOut,
} satisfies Record<string, Guard>;

/**
 * The job machine's actions, each a pure reducer returning the whole next context (never
 * a partial one: XState's `assign` merges, the interpreter replaces, and both must agree).
 */
export const jobReducers = {
  schedule: (context, event) =>
    event.type === 'SCHEDULE' ? applySchedule(context, event) : context,
  deferSchedule: (context, event) =>
    event.type === 'SCHEDULE'
      ? { ...context, next: { args: event.args, trigger: event.trigger, execAt: event.execAt } }
      : context,
  applyNext: (context) => (context.next ? applySchedule(context, context.next) : context),
  recordError: (context, event) =>
    event.type === 'FAIL' ? { ...context, lastError: event.error } : context,
  retry: (context, event) =>
    event.type === 'FAIL' && event.retryAt !== undefined
      ? { ...context, execAt: event.retryAt, attempt: context.attempt + 1 }
      : context,
  advanceAfterSuccess: (context, event) =>
    event.type === 'SUCCEED' ? advanceCron(context, event, false) : context,
  advanceAfterFailure: (context, event) =>
    event.type === 'FAIL' ? advanceCron(context, event, true) : context,
  countSuccess: (context) => countFinalRun(context, false),
  countFailure: (context) => countFinalRun(context, true),
} satisfies Record<string, Reducer>;

export type JobGuardName = keyof typeof jobGuards;
export type JobReducerName = keyof typeof jobReducers;

function mapValues<T extends Record<string, unknown>, R>(
  source: T,
  fn: (value: T[keyof T]) => R,
): { [K in keyof T]: R } {
  const out = {} as { [K in keyof T]: R };
  for (const key of Object.keys(source) as (keyof T)[]) out[key] = fn(source[key]);
  return out;
}

/**
 * The lifecycle of one job. It holds data only and never owns timers: due times and
 * timeouts arrive as `DUE` / `TIMEOUT` events from the app's clock actor, because XState
 * does not persist delayed events and a restored job would otherwise hang. Outcomes of a
 * run arrive as `SUCCEED` / `FAIL`; a retry or the next cron occurrence is the transition
 * running → scheduled, so it is part of the persisted state.
 *
 * This machine is the specification of a job's lifecycle. The engine runs it through its
 * own interpreter of this same definition (one actor per job would cost ~18 µs and ~2 KB
 * each); with the `inspect` option, every job also gets a real actor of this machine,
 * driven by the same events, so an inspector sees XState's own events.
 *
 * @example
 * const actor = createActor(jobMachine, { input: record }).start();
 */
export const jobMachine = setup({
  types: {
    context: {} as JobRecord,
    events: {} as JobEvent,
    input: {} as JobRecord,
  },
  guards: mapValues(
    jobGuards as Record<JobGuardName, Guard>,
    (guard) =>
      ({ context, event }: { context: JobRecord; event: JobEvent }) =>
        guard(context, event),
  ),
  actions: mapValues(jobReducers as Record<JobReducerName, Reducer>, (reduce) =>
    assign<JobRecord, JobEvent, undefined, JobEvent, never>(({ context, event }) =>
      reduce(context, event),
    ),
  ),
}).createMachine({
  id: 'job',
  initial: 'pending',
  context: ({ input }) => input,
  states: {
    pending: {
      on: {
        SCHEDULE: { target: 'scheduled', actions: 'schedule' },
        CANCEL: 'cancelled',
      },
    },
    scheduled: {
      on: {
        SCHEDULE: { target: 'scheduled', reenter: true, actions: 'schedule' },
        DUE: 'running',
        CANCEL: 'cancelled',
      },
    },
    running: {
      on: {
        SCHEDULE: { actions: 'deferSchedule' },
        // Observed by the supervisor, which aborts the attempt; the outcome arrives as FAIL.
        TIMEOUT: {},
        CANCEL: 'cancelled',
        SUCCEED: [
          { guard: 'hasNext', target: 'scheduled', actions: 'applyNext' },
          { guard: 'cronContinues', target: 'scheduled', actions: 'advanceAfterSuccess' },
          { target: 'success', actions: 'countSuccess' },
        ],
        FAIL: [
          { guard: 'hasNext', target: 'scheduled', actions: ['recordError', 'applyNext'] },
          { guard: 'retryGranted', target: 'scheduled', actions: ['recordError', 'retry'] },
          {
            guard: 'cronExhaustedByFailures',
            target: 'permanently_failed',
            actions: ['recordError', 'countFailure'],
          },
          {
            guard: 'cronContinues',
            target: 'scheduled',
            actions: ['recordError', 'advanceAfterFailure'],
          },
          { guard: 'timedOut', target: 'timeout', actions: ['recordError', 'countFailure'] },
          { target: 'failed', actions: ['recordError', 'countFailure'] },
        ],
      },
    },
    success: { type: 'final' },
    failed: { type: 'final' },
    timeout: { type: 'final' },
    cancelled: { type: 'final' },
    permanently_failed: { type: 'final' },
  },
});

export type JobMachine = typeof jobMachine;
