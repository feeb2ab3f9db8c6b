import type { Logger } from 'pino';
import type { Alarm } from '../actors/clock-actor.js';
import type { JobRuntime } from '../actors/job-runtime.js';
import type { Jobify } from '../app.js';
import type { JobContext } from '../context.js';
import type { Job } from '../job.js';
import type { ResolvedTaskOptions } from '../routing/task.js';

/**
 * One attempt in flight: its arguments, its abort state and what the built-in layers
 * record on it. The AbortController is made only when someone reads the signal: most tasks
 * never do, and a controller with its signal is one of the costlier objects of a run.
 */
export class Execution {
  readonly args: readonly unknown[];
  /** Set by the retry layer when the policy grants another attempt. */
  retryDelay: number | undefined;
  /** Set by the timeout layer while it waits; called when the clock says time is up. */
  onTimeout: (() => void) | undefined;
  /** The clock entry of this attempt's timeout, for tasks that have one. */
  alarm: Alarm | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  constructor(args: readonly unknown[]) {
    this.args = args;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** The reason given to the first `abort`, or undefined while not aborted. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the attempt's signal (now, or when it is first read); later calls are ignored. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** What every context of one router's jobs shares; made once per router supervisor. */
export interface ContextBase {
  readonly app: Jobify;
  /** The router's state. */
  readonly state: Record<string, unknown>;
  /** The app's logger; a context's logger is a child of it, made on first read. */
  readonly appLogger: Logger;
}

/**
 * The {@link JobContext} of one attempt. The logger child, the request state and the
 * signal are made on first read; the execution behind it is reachable only through
 * {@link executionOf}, for the built-in layers.
 */
export class ExecutionContext implements JobContext {
  readonly job: Job;
  readonly options: ResolvedTaskOptions;
  readonly attempt: number;
  readonly recovered: boolean;
  readonly #base: ContextBase;
  readonly #execution: Execution;
  #requestState: Record<string, unknown> | undefined;
  #logger: Logger | undefined;

  constructor(base: ContextBase, job: JobRuntime, execution: Execution) {
    this.job = job;
    this.options = job.task.options;
    this.attempt = job.attempt;
    this.recovered = job.recovered;
    this.#base = base;
    this.#execution = execution;
  }

  get app(): Jobify {
    return this.#base.app;
  }

  get state(): Record<string, unknown> {
    return this.#base.state;
  }

  get requestState(): Record<string, unknown> {
    return (this.#requestState ??= {});
  }

  get signal(): AbortSignal {
    return this.#execution.signal;
  }

  get logger(): Logger {
    const { job } = this;
    return (this.#logger ??= this.#base.appLogger.child({ jobId: job.id, task: job.name }));
  }

  static executionOf(ctx: JobContext): Execution {
    if (!(ctx instanceof ExecutionContext)) {
      throw new Error('jobify internal error: a context that jobify did not make');
    }
    return ctx.#execution;
  }
}

/** The execution behind a context, for the built-in layers (retry, timeout, the task call). */
export const executionOf = (ctx: JobContext): Execution => ExecutionContext.executionOf(ctx);
