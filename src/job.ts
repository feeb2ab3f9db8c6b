import type { Snapshot } from 'xstate';
import {
  ApplicationStateError,
  JobCancelledError,
  JobFailedError,
  JobTimeoutError,
} from './errors.js';
import { FINISHED_STATUSES, type JobStatus } from './actors/job-machine.js';
import type { Outcome } from './actors/job-runtime.js';
import type { JobRecord } from './actors/job-machine.js';
import type { Task } from './routing/task.js';
import { persistedSnapshot } from './actors/job-transition.js';
import { reviveError } from './internal/error-record.js';

/**
 * A handle on one scheduled job. Users get it from scheduling calls, `findJob` and
 * `getActiveJobs`; they never construct it.
 *
 * The engine's object for the job is a subclass of this one (`JobRuntime`), so a job costs
 * one object, not a handle and a runtime; what the engine adds is not part of the type.
 *
 * @example
 * const job = await sendWelcome.schedule(42).delay(5_000);
 * console.log(job.id, job.status, job.execAt);
 * const value = await job.result();
 */
export abstract class Job<TResult = unknown> {
  /** @internal The job machine's context: what storage keeps. */
  protected abstract readonly record: JobRecord;
  /** @internal The task this job runs. */
  protected abstract readonly task: Task;
  /** @internal How the last run (or the job) ended. */
  protected abstract readonly outcome: Outcome | undefined;
  /** @internal Resolves with the outcome status when the current run (or the job) ends. */
  protected abstract readonly done: Promise<JobStatus>;
  /** @internal */
  protected abstract cancelJob(): Promise<boolean>;

  abstract get status(): JobStatus;

  get id(): string {
    return this.record.id;
  }

  /** Full task name. */
  get name(): string {
    return this.record.name;
  }

  /** The next (or current) planned run. */
  get execAt(): Date {
    return new Date(this.record.execAt);
  }

  /** 1-based attempt of the current occurrence. */
  get attempt(): number {
    return this.record.attempt;
  }

  /** The error of the last failed attempt, if any. */
  get error(): Error | undefined {
    const outcome = this.outcome;
    if (outcome && 'error' in outcome) return outcome.error;
    const record = this.record.lastError;
    return record ? reviveError(record) : undefined;
  }

  get cronExpression(): string | undefined {
    const trigger = this.record.trigger;
    return trigger.type === 'cron' ? trigger.cron.expression : undefined;
  }

  /** The task's `metadata` option. */
  get metadata(): Readonly<Record<string, unknown>> {
    return this.task.options.metadata;
  }

  /**
   * Resolves with the status once the job has finished; for a cron job, once its next run
   * has finished (with that run's status). Never rejects. If the app stops first, it
   * resolves with the status the job had (`scheduled` or `running`).
   */
  wait(): Promise<JobStatus> {
    if (this.isDone()) return Promise.resolve(this.status);
    return this.done;
  }

  /**
   * Waits, then gives the value the job returned, or rejects: JobFailedError (cause = what
   * the task threw), JobTimeoutError, JobCancelledError; ApplicationStateError if the app
   * stopped before the job finished.
   */
  async result(): Promise<TResult> {
    await this.wait();
    const outcome = this.outcome;
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
   * Rejects with ApplicationStateError for a handle kept from an app run that has stopped:
   * the job lives on in storage, and `app.findJob(id)` of the running app is its handle.
   */
  cancel(): Promise<boolean> {
    return this.cancelJob();
  }

  isDone(): boolean {
    return FINISHED_STATUSES.has(this.status);
  }

  isCron(): boolean {
    return this.record.trigger.type === 'cron';
  }

  /**
   * The job's persisted XState snapshot: what `getPersistedSnapshot()` of a job machine
   * actor in this state returns, so `createActor(jobMachine, { snapshot })` restores it.
   */
  snapshot(): Snapshot<unknown> {
    return persistedSnapshot({ status: this.status, record: this.record });
  }

  toString(): string {
    return `Job(${this.id} ${this.name} ${this.status} at ${this.execAt.toISOString()})`;
  }

  /** What `JSON.stringify` shows: the public fields, never the engine's. */
  toJSON(): { id: string; name: string; status: JobStatus; execAt: string; attempt: number } {
    const { id, name, status, attempt } = this;
    return { id, name, status, execAt: this.execAt.toISOString(), attempt };
  }

  /** What `console.log` and `util.inspect` show. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
