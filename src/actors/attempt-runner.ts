import { type JobContext, runInJobContext } from '../context.js';
import { toError } from '../errors.js';
import {
  type ContextBase,
  Execution,
  ExecutionContext,
  executionOf,
} from '../middleware/execution.js';
import { buildPipeline } from '../middleware/pipeline.js';
import type { TimeoutHooks } from '../middleware/timeout-layer.js';
import type { RouterBase } from '../routing/router.js';
import type { Task } from '../routing/task.js';
import { Alarm, type ClockActor } from './clock-actor.js';
import type { JobRuntime } from './job-runtime.js';
import type { SupervisorServices } from './router-supervisor.js';

/** What an attempt's end is reported to: the router supervisor, which records it. */
export interface AttemptOutcomes {
  succeeded(runtime: JobRuntime, execution: Execution, value: unknown): void;
  failed(runtime: JobRuntime, execution: Execution, error: Error): void;
  /** The clock says the attempt's time is up. */
  timedOut(runtime: JobRuntime, execution: Execution): void;
}

/**
 * Runs the attempts of one router's jobs: builds each task's pipeline once, gives every
 * attempt its execution (abort state, timeout alarm) and context, runs it in the job
 * context, and reports how it ended. It keeps the attempts in flight so that a stop can
 * abort them and wait for them.
 */
export class AttemptRunner {
  readonly #lineage: readonly RouterBase[];
  readonly #outcomes: AttemptOutcomes;
  readonly #contextBase: ContextBase;
  readonly #timeoutHooks: TimeoutHooks;
  readonly #pipelines = new Map<Task, (ctx: JobContext) => Promise<unknown>>();
  /** Attempts in flight, each with the promise that settles when its outcome is handled. */
  readonly #inFlight = new Map<Execution, Promise<void>>();

  constructor(options: {
    router: RouterBase;
    services: Pick<SupervisorServices, 'app' | 'logger' | 'clock'> & {
      readonly clockActor: ClockActor<Alarm | JobRuntime>;
    };
    outcomes: AttemptOutcomes;
  }) {
    const { router, services } = options;
    this.#lineage = router.lineage();
    this.#outcomes = options.outcomes;
    this.#contextBase = { app: services.app, state: router.state, appLogger: services.logger };
    this.#timeoutHooks = {
      armTimeout: (ctx, ms) => {
        const { alarm } = executionOf(ctx);
        if (!alarm) return;
        alarm.at = services.clock.now() + ms;
        services.clockActor.schedule(alarm);
      },
      disarmTimeout: (ctx) => {
        const { alarm } = executionOf(ctx);
        if (alarm) services.clockActor.cancel(alarm);
      },
    };
  }

  /** Starts an attempt of the job: its task runs now, through the pipeline. */
  start(runtime: JobRuntime): void {
    const { task } = runtime;
    const outcomes = this.#outcomes;
    const execution = new Execution(runtime.record.args);
    if (task.options.timeout !== undefined) {
      execution.alarm = new Alarm(0, () => outcomes.timedOut(runtime, execution));
    }
    runtime.execution = execution;
    const ctx = new ExecutionContext(this.#contextBase, runtime, execution);
    const done = runInJobContext(ctx, this.#pipelineFor(task)).then(
      (value) => outcomes.succeeded(runtime, execution, value),
      (error: unknown) => outcomes.failed(runtime, execution, toError(error)),
    );
    this.#inFlight.set(execution, done);
  }

  /** The attempt's outcome is being handled: it is no longer in flight. */
  ended(execution: Execution): void {
    this.#inFlight.delete(execution);
  }

  /** Aborts every attempt in flight and waits until each outcome has been handled. */
  async abortAll(reason: Error): Promise<void> {
    for (const execution of this.#inFlight.keys()) execution.abort(reason);
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  #pipelineFor(task: Task): (ctx: JobContext) => Promise<unknown> {
    let pipeline = this.#pipelines.get(task);
    if (!pipeline) {
      pipeline = buildPipeline(task, this.#lineage, this.#timeoutHooks);
      this.#pipelines.set(task, pipeline);
    }
    return pipeline;
  }
}
