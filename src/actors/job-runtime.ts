import type { Actor } from 'xstate';
import { Job } from '../job.js';
import type { Task } from '../routing/task.js';
import { type Deferred, createDeferred } from '../internal/deferred.js';
import type { Execution } from '../middleware/execution.js';
import type { ClockEntry } from './clock-actor.js';
import type { JobMachine, JobRecord, JobStatus } from './job-machine.js';
import type { JobState } from './job-transition.js';
import type { RouterSupervisor } from './router-supervisor.js';

/** How the last run (or the job) ended, for `wait()` and `result()`. */
export type Outcome =
  | { readonly status: 'success'; readonly value: unknown }
  | { readonly status: 'failed' | 'timeout' | 'permanently_failed'; readonly error: Error }
  | { readonly status: 'cancelled'; readonly reason: string }
  /** The app stopped before the job finished; it stays stored for the next start. */
  | { readonly status: 'scheduled' | 'running'; readonly stopped: true };

/**
 * The engine's side of one job: its state in the job machine, the task it runs, the
 * attempt in flight and what waiters are told. Users see it through {@link Job}.
 *
 * A job that only waits is this one object (plus its record): it is its own entry in the
 * clock's heap, and the handle, the waiters' promise and the inspection actor are made
 * only when asked for. That keeps a million waiting jobs to a few hundred MB.
 */
export class JobRuntime implements JobState, ClockEntry {
  readonly id: string;
  readonly task: Task;
  readonly supervisor: RouterSupervisor;
  status: JobStatus;
  record: JobRecord;
  /** Clock entry fields: the due time while scheduled, managed by the clock actor. */
  at = 0;
  seq = 0;
  slot = -1;
  /** A state of this job has been written to storage (so a delete is needed). */
  inStore = false;
  /** The current run restarts one interrupted by a crash or a stop. */
  recovered = false;
  outcome: Outcome | undefined;
  execution: Execution | undefined;
  /** An actor of the job machine that follows every transition, made when inspecting. */
  mirror: Actor<JobMachine> | undefined;
  #handle: Job | undefined;
  #done: Deferred<JobStatus> | undefined;
  /** Set when a run ended and no other follows (the job finished, or the app stopped). */
  #final: JobStatus | undefined;

  constructor(options: {
    task: Task;
    supervisor: RouterSupervisor;
    status: JobStatus;
    record: JobRecord;
  }) {
    this.id = options.record.id;
    this.task = options.task;
    this.supervisor = options.supervisor;
    this.status = options.status;
    this.record = options.record;
  }

  /** The user's handle on this job; the same object for the job's whole life. */
  get handle(): Job {
    return (this.#handle ??= new Job(this));
  }

  /** Resolves with the outcome status when the current run (or the job) ends. */
  get done(): Promise<JobStatus> {
    if (this.#done === undefined && this.#final !== undefined) return Promise.resolve(this.#final);
    return (this.#done ??= createDeferred()).promise;
  }

  /** Tells waiters how the run ended; a job that goes on gets a fresh promise. */
  settle(outcome: Outcome, continues: boolean): void {
    this.outcome = outcome;
    const finished = this.#done;
    if (continues) this.#done = undefined;
    else this.#final = outcome.status;
    finished?.resolve(outcome.status);
  }
}
