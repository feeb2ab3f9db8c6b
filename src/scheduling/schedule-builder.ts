import { invalidOption, toError } from '../errors.js';
import type { Job } from '../job.js';
import type { Engine } from '../actors/app-supervisor.js';
import type { Task } from '../routing/task.js';
import { Cron } from './cron.js';

/** Options of `delay` and `at`. */
export interface ScheduleOptions {
  /** Your id for the job; a live job with this id → DuplicateJobError unless `replace`. */
  jobId?: string;
  /** Reschedule the live job with this id (the same Job object is kept). @default false */
  replace?: boolean;
  /** With `replace`: run outer middleware and store again even if nothing changed. @default false */
  force?: boolean;
}

/** Options of `cron`: a `jobId` is required, so the schedule keeps one identity across restarts. */
export interface CronScheduleOptions extends ScheduleOptions {
  jobId: string;
}

/** When a job should run, as the engine receives it. */
export type When =
  | { readonly type: 'push' }
  | { readonly type: 'at'; readonly at: number }
  | { readonly type: 'cron'; readonly cron: Cron };

/** "As soon as possible" has no fields, so every push shares this one object. */
const NOW: When = Object.freeze({ type: 'push' });
const NO_OPTIONS: ScheduleOptions = Object.freeze({});

/** One scheduling request. */
export interface SchedulePlan {
  readonly task: Task;
  readonly args: unknown[];
  readonly when: When;
  readonly jobId: string | undefined;
  readonly replace: boolean;
  readonly force: boolean;
}

/**
 * Picks when a job with bound arguments runs. Made by `task.schedule(...args)`.
 *
 * @example
 * await report.schedule('daily').cron('0 8 * * 1-5', { jobId: 'daily-report' });
 * await sendWelcome.schedule(42).delay(5_000, { jobId: 'welcome-42', replace: true });
 */
export class ScheduleBuilder<TResult> {
  readonly #engine: Engine;
  readonly #task: Task;
  readonly #args: unknown[];

  /** @internal */
  constructor(engine: Engine, task: Task, args: unknown[]) {
    this.#engine = engine;
    this.#task = task;
    this.#args = args;
  }

  /** Runs as soon as possible, under a new id. */
  push(): Promise<Job<TResult>> {
    return this.#submit(NOW, NO_OPTIONS);
  }

  /** Runs `ms` milliseconds from now. */
  delay(ms: number, options: ScheduleOptions = {}): Promise<Job<TResult>> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      return Promise.reject(invalidOption('delay', 'a finite number of ms >= 0', ms));
    }
    return this.#submit({ type: 'at', at: this.#engine.now() + ms }, options);
  }

  /** Runs at an instant (a Date or epoch ms); a past instant runs at once. */
  at(when: Date | number, options: ScheduleOptions = {}): Promise<Job<TResult>> {
    const at = when instanceof Date ? when.getTime() : when;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      return Promise.reject(invalidOption('at', 'a valid Date or epoch ms', when));
    }
    return this.#submit({ type: 'at', at }, options);
  }

  /** Runs on a cron schedule: an expression (5 fields, or 6 with seconds first) or a Cron. */
  cron(cron: string | Cron, options: CronScheduleOptions): Promise<Job<TResult>> {
    try {
      const value = typeof cron === 'string' ? new Cron(cron) : cron;
      if (!(value instanceof Cron))
        throw invalidOption('cron', 'a cron expression or a Cron', cron);
      if (typeof options?.jobId !== 'string' || options.jobId === '') {
        throw invalidOption(
          'jobId',
          'a non-empty string (cron jobs need a stable id)',
          options?.jobId,
        );
      }
      return this.#submit({ type: 'cron', cron: value }, options);
    } catch (error) {
      return Promise.reject(toError(error));
    }
  }

  #submit(when: When, options: ScheduleOptions): Promise<Job<TResult>> {
    const { jobId, replace = false, force = false } = options;
    if (jobId !== undefined && (typeof jobId !== 'string' || jobId === '')) {
      return Promise.reject(invalidOption('jobId', 'a non-empty string', jobId));
    }
    const plan: SchedulePlan = { task: this.#task, args: this.#args, when, jobId, replace, force };
    return this.#engine.schedule(plan) as Promise<Job<TResult>>;
  }
}
