import type { Actor } from 'xstate';
import { Job } from '../job.js';
import type { Task } from '../routing/task.js';
import { type Deferred, createDeferred } from '../internal/deferred.js';
import type { JobMachine, JobRecord, JobStatus } from './job-machine.js';
import type { RouterSupervisor } from './router-supervisor.js';

/** How the last run (or the job) ended, for `wait()` and `result()`. */
export type Outcome =
  | { readonly status: 'success'; readonly value: unknown }
  | { readonly status: 'failed' | 'timeout' | 'permanently_failed'; readonly error: Error }
  | { readonly status: 'cancelled'; readonly reason: string }
  /** The app stopped before the job finished; it stays stored for the next start. */
  | { readonly status: 'scheduled' | 'running'; readonly stopped: true };

/** One attempt in flight. */
export interface Execution {
  readonly controller: AbortController;
  /** Set by the retry layer when the policy grants another attempt. */
  retryDelay?: number;
  /** Set by the timeout layer while it waits; called when the clock says time is up. */
  onTimeout?: () => void;
  /** Settles when the attempt's pipeline has settled. */
  done?: Promise<void>;
}

/**
 * The engine's side of a job: its actor, the task it runs, the attempt in flight and
 * what waiters are told. Users see it through {@link Job}.
 */
export class JobRuntime {
  readonly id: string;
  readonly task: Task;
  readonly supervisor: RouterSupervisor;
  readonly actor: Actor<JobMachine>;
  /** The user's handle on this job. */
  readonly handle: Job = new Job(this);
  /** Resolved with the outcome status whenever a run (or the job) ends. */
  done: Deferred<JobStatus> = createDeferred();
  outcome: Outcome | undefined;
  execution: Execution | undefined;
  /** The current run restarts one interrupted by a crash or a stop. */
  recovered = false;
  /** A snapshot of this job has been written to storage (so a delete is needed). */
  inStore = false;

  constructor(options: {
    id: string;
    task: Task;
    supervisor: RouterSupervisor;
    actor: Actor<JobMachine>;
  }) {
    this.id = options.id;
    this.task = options.task;
    this.supervisor = options.supervisor;
    this.actor = options.actor;
  }

  get status(): JobStatus {
    return this.actor.getSnapshot().value;
  }

  get record(): JobRecord {
    return this.actor.getSnapshot().context;
  }

  /** Tells waiters how the run ended; a job that goes on gets a fresh promise. */
  settle(outcome: Outcome, continues: boolean): void {
    this.outcome = outcome;
    const finished = this.done;
    if (continues) this.done = createDeferred();
    finished.resolve(outcome.status);
  }
}
