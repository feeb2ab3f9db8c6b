import type { Snapshot } from 'xstate';
import {
  ApplicationStateError,
  JobCancelledError,
  JobFailedError,
  JobTimeoutError,
} from './errors.js';
import { FINISHED_STATUSES, type JobStatus } from './actors/job-machine.js';
import type { JobRuntime } from './actors/job-runtime.js';
import { persistedSnapshot } from './actors/job-transition.js';
import { reviveError } from './internal/error-record.js';

/**
 * A handle on one scheduled job. Users get it from scheduling calls, `findJob` and
 * `getActiveJobs`; they never construct it.
 *
 * @example
 * const job = await sendWelcome.schedule(42).delay(5_000);
 * console.log(job.id, job.status, job.execAt);
 * const value = await job.result();
 */
export class Job<TResult = unknown> {
  readonly #runtime: JobRuntime;

  /** @internal */
  constructor(runtime: JobRuntime) {
    this.#runtime = runtime;
  }

  get id(): string {
    return this.#runtime.id;
  }

  /** Full task name. */
  get name(): string {
    return this.#runtime.record.name;
  }

  get status(): JobStatus {
    return this.#runtime.status;
  }

  /** The next (or current) planned run. */
  get execAt(): Date {
    return new Date(this.#runtime.record.execAt);
  }

  /** 1-based attempt of the current occurrence. */
  get attempt(): number {
    return this.#runtime.record.attempt;
  }

  /** The error of the last failed attempt, if any. */
  get error(): Error | undefined {
    const outcome = this.#runtime.outcome;
    if (outcome && 'error' in outcome) return outcome.error;
    const record = this.#runtime.record.lastError;
    return record ? reviveError(record) : undefined;
  }

  get cronExpression(): string | undefined {
    const trigger = this.#runtime.record.trigger;
    return trigger.type === 'cron' ? trigger.cron.expression : undefined;
  }

  /** The task's `metadata` option. */
  get metadata(): Readonly<Record<string, unknown>> {
    return this.#runtime.task.options.metadata;
  }

  /**
   * Resolves with the status once the job has finished; for a cron job, once its next run
   * has finished (with that run's status). Never rejects. If the app stops first, it
   * resolves with the status the job had (`scheduled` or `running`).
   */
  wait(): Promise<JobStatus> {
    if (this.isDone()) return Promise.resolve(this.status);
    return this.#runtime.done;
  }

  /**
   * Waits, then gives the value the job returned, or rejects: JobFailedError (cause = what
   * the task threw), JobTimeoutError, JobCancelledError; ApplicationStateError if the app
   * stopped before the job finished.
   */
  async result(): Promise<TResult> {
    await this.wait();
    const outcome = this.#runtime.outcome;
    switch (outcome?.status) {
      case 'success':
        return outcome.value as TResult;
      case 'timeout':
        throw outcome.error instanceof JobTimeoutError
          ? outcome.error
          : new JobFailedError(this.id, outcome.error);
      case 'failed':
      case 'permanently_failed':
        throw new JobFailedError(this.id, outcome.error);
      case 'cancelled':
        throw new JobCancelledError(this.id, outcome.reason);
      case 'scheduled':
      case 'running':
      case undefined:
        throw new ApplicationStateError(
          `Job '${this.id}' has no result: the app stopped before it finished.`,
        );
    }
  }

  /**
   * A scheduled job is removed; a running one has its `signal` aborted and ends
   * `cancelled`. Resolves false for a job that had already finished (it is left as is).
   */
  cancel(): Promise<boolean> {
    return this.#runtime.supervisor.cancel(this.#runtime);
  }

  isDone(): boolean {
    return FINISHED_STATUSES.has(this.status);
  }

  isCron(): boolean {
    return this.#runtime.record.trigger.type === 'cron';
  }

  /**
   * The job's persisted XState snapshot: what `getPersistedSnapshot()` of a job machine
   * actor in this state returns, so `createActor(jobMachine, { snapshot })` restores it.
   */
  snapshot(): Snapshot<unknown> {
    return persistedSnapshot(this.#runtime);
  }

  toString(): string {
    return `Job(${this.id} ${this.name} ${this.status} at ${this.execAt.toISOString()})`;
  }
}
