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

/** What only a job that has run, is running, is awaited or is inspected needs. */
class Activity {
  outcome: Outcome | undefined;
  execution: Execution | undefined;
  mirror: Actor<JobMachine> | undefined;
  done: Deferred<JobStatus> | undefined;
  /** Set when a run ended and no other follows (the job finished, or the app stopped). */
  final: JobStatus | undefined;
}

const IN_STORE = 1;
const RECOVERED = 2;
const WRITE_QUEUED = 4;

/**
 * The engine's side of one job: its state in the job machine, the task it runs, the
 * attempt in flight and what waiters are told. Users see it as the {@link Job} it extends.
 *
 * A job that only waits is this object and its record, nothing else: it is the user's
 * handle too, it is its own entry in the clock's heap (due at `record.execAt`), and what a
 * run, a waiter or an inspector needs is made when first needed. That keeps a waiting job
 * to a few hundred bytes.
 */
export class JobRuntime extends Job implements JobState, ClockEntry {
  readonly task: Task;
  readonly supervisor: RouterSupervisor;
  record: JobRecord;
  seq = 0;
  slot = -1;
  #status: JobStatus;
  #flags = 0;
  #activity: Activity | undefined;

  constructor(options: {
    task: Task;
    supervisor: RouterSupervisor;
    status: JobStatus;
    record: JobRecord;
  }) {
    super();
    this.task = options.task;
    this.supervisor = options.supervisor;
    this.#status = options.status;
    this.record = options.record;
  }

  get status(): JobStatus {
    return this.#status;
  }

  set status(status: JobStatus) {
    this.#status = status;
  }

  /** When the job is due, as the clock orders it; the clock is told whenever it changes. */
  get at(): number {
    return this.record.execAt;
  }

  /** A state of this job has been written to storage (so a delete is needed). */
  get inStore(): boolean {
    return (this.#flags & IN_STORE) !== 0;
  }

  set inStore(value: boolean) {
    this.#flags = value ? this.#flags | IN_STORE : this.#flags & ~IN_STORE;
  }

  /** The job waits in the write batcher's queue (at most once). */
  get writeQueued(): boolean {
    return (this.#flags & WRITE_QUEUED) !== 0;
  }

  set writeQueued(value: boolean) {
    this.#flags = value ? this.#flags | WRITE_QUEUED : this.#flags & ~WRITE_QUEUED;
  }

  /** The current run restarts one interrupted by a crash or a stop. */
  get recovered(): boolean {
    return (this.#flags & RECOVERED) !== 0;
  }

  set recovered(value: boolean) {
    this.#flags = value ? this.#flags | RECOVERED : this.#flags & ~RECOVERED;
  }

  get outcome(): Outcome | undefined {
    return this.#activity?.outcome;
  }

  get execution(): Execution | undefined {
    return this.#activity?.execution;
  }

  set execution(execution: Execution | undefined) {
    if (execution !== undefined || this.#activity) this.#active().execution = execution;
  }

  /** An actor of the job machine that follows every transition, made when inspecting. */
  get mirror(): Actor<JobMachine> | undefined {
    return this.#activity?.mirror;
  }

  set mirror(mirror: Actor<JobMachine>) {
    this.#active().mirror = mirror;
  }

  protected cancelJob(): Promise<boolean> {
    return this.supervisor.cancel(this);
  }

  /** Resolves with the outcome status when the current run (or the job) ends. */
  get done(): Promise<JobStatus> {
    const activity = this.#active();
    if (activity.done === undefined && activity.final !== undefined) {
      return Promise.resolve(activity.final);
    }
    return (activity.done ??= createDeferred()).promise;
  }

  /** Tells waiters how the run ended; a job that goes on gets a fresh promise. */
  settle(outcome: Outcome, continues: boolean): void {
    const activity = this.#active();
    activity.outcome = outcome;
    const finished = activity.done;
    if (continues) activity.done = undefined;
    else activity.final = outcome.status;
    finished?.resolve(outcome.status);
  }

  #active(): Activity {
    return (this.#activity ??= new Activity());
  }
}
