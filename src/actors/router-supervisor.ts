import type { Logger } from 'pino';
import { type AnyActorRef, type Snapshot, createActor, setup } from 'xstate';
import type { Clock } from '../clock.js';
import { type JobContext, runInJobContext } from '../context.js';
import { JobCancelledError, JobTimeoutError, toError } from '../errors.js';
import type { Jobify } from '../app.js';
import { toErrorRecord } from '../internal/error-record.js';
import { type BoundExecution, bindExecution, buildPipeline } from '../middleware/pipeline.js';
import type { TimeoutHooks } from '../middleware/timeout-layer.js';
import { compose } from '../middleware/compose.js';
import type { OuterContext, OuterMiddleware } from '../middleware/types.js';
import type { RouterBase } from '../routing/router.js';
import type { Task } from '../routing/task.js';
import { nextRunAt } from '../scheduling/cron.js';
import type { ClockActor } from './clock-actor.js';
import {
  type JobEvent,
  type JobRecord,
  type JobStatus,
  FINISHED_STATUSES,
  jobMachine,
} from './job-machine.js';
import { JobRuntime, type Outcome } from './job-runtime.js';
import { emitStarted, emitTransition } from './transition-events.js';
import type { EventBus } from '../events.js';
import type { WriteBatcher } from '../storage/write-batcher.js';

/** What a router supervisor borrows from the app's engine. */
export interface SupervisorServices {
  readonly app: Jobify;
  readonly clock: Clock;
  readonly clockActor: ClockActor;
  readonly bus: EventBus;
  readonly writes: WriteBatcher;
  readonly logger: Logger;
  readonly tz: string;
  /** False when the app was made with `storage: false`. */
  readonly persists: boolean;
  /** True once stop() began: failures of interrupted runs are not recorded. */
  readonly stopping: boolean;
  /** Called when a job reaches a final status. */
  jobFinished(runtime: JobRuntime): void;
}

/** Clock keys: one letter for the kind of event, then the job id. */
export const DUE = 'd';
export const TIMEOUT = 't';
export const RESUME = 'r';

/**
 * The router supervisor's own lifecycle. It is the XState parent of every job actor of
 * its router, so an inspector attached to the app sees the whole tree.
 */
export const routerSupervisorMachine = setup({
  types: { input: {} as { router: string }, context: {} as { router: string } },
}).createMachine({
  id: 'router',
  context: ({ input }) => input,
  initial: 'active',
  states: { active: { on: { STOP: 'stopped' } }, stopped: { type: 'final' } },
});

type RunResult = { ok: true; value: unknown } | { ok: false; error: Error };

/**
 * Creates and owns the job actors of one router: it drives them with events, and does
 * what a transition implies — arm the clock, persist the snapshot, run the task through
 * the pipeline, tell waiters and listeners.
 */
export class RouterSupervisor {
  readonly router: RouterBase;
  readonly ref: AnyActorRef;
  readonly #services: SupervisorServices;
  readonly #lineage: readonly RouterBase[];
  readonly #pipelines = new Map<Task, (ctx: JobContext) => Promise<unknown>>();
  /** Attempts in flight, each with the promise that settles when its outcome is handled. */
  readonly #inFlight = new Map<BoundExecution, Promise<void>>();
  readonly #timeoutHooks: TimeoutHooks;
  #outerLayers: OuterMiddleware[] | undefined;

  constructor(router: RouterBase, services: SupervisorServices, parent: AnyActorRef) {
    this.router = router;
    this.#services = services;
    this.#lineage = router.lineage();
    this.ref = createActor(routerSupervisorMachine, {
      parent,
      input: { router: router.fullPrefix },
    }).start();
    this.#timeoutHooks = {
      armTimeout: (ctx, ms) =>
        services.clockActor.schedule(TIMEOUT + ctx.job.id, services.clock.now() + ms),
      disarmTimeout: (ctx) => services.clockActor.cancel(TIMEOUT + ctx.job.id),
    };
  }

  /** A new job actor in `pending`, owned by this supervisor. */
  createJob(task: Task, record: JobRecord): JobRuntime {
    const actor = createActor(jobMachine, { parent: this.ref, id: record.id, input: record });
    return new JobRuntime({ id: record.id, task, supervisor: this, actor: actor.start() });
  }

  /** A job actor rebuilt from its persisted snapshot; a run that was in flight runs again. */
  restoreJob(task: Task, snapshot: Snapshot<unknown>, record: JobRecord): JobRuntime {
    const { id } = record;
    const actor = createActor(jobMachine, { parent: this.ref, id, snapshot, input: record });
    const runtime = new JobRuntime({ id, task, supervisor: this, actor: actor.start() });
    runtime.inStore = true;
    const { clockActor } = this.#services;
    if (runtime.status === 'scheduled') clockActor.schedule(DUE + id, runtime.record.execAt);
    if (runtime.status === 'running') {
      runtime.recovered = true;
      clockActor.schedule(RESUME + id, this.#services.clock.now());
    }
    return runtime;
  }

  /** Sends an event and carries out what the transition implies. */
  send(runtime: JobRuntime, event: JobEvent, run?: Outcome): void {
    const from = runtime.status;
    const before = runtime.record;
    runtime.actor.send(event);
    const to = runtime.status;
    if (from === to && runtime.record === before) return;
    this.#afterTransition(runtime, from, event, run);
  }

  /** Runs outer middleware (app first, then routers from the outermost) around `terminal`. */
  runOuter(ctx: OuterContext, terminal: () => Promise<void>): Promise<void> {
    this.#outerLayers ??= this.#lineage.flatMap((node) => node.outerMiddleware);
    return compose(this.#outerLayers, terminal)(ctx);
  }

  /** The clock says the job is due. */
  due(runtime: JobRuntime): void {
    if (runtime.status === 'scheduled') this.send(runtime, { type: 'DUE' });
  }

  /** The clock says the attempt's time is up. */
  timedOut(runtime: JobRuntime): void {
    if (runtime.status !== 'running') return;
    this.send(runtime, { type: 'TIMEOUT' });
    runtime.execution?.onTimeout?.();
  }

  /** Runs a job restored in `running` (it was interrupted), once the clock has started. */
  resume(runtime: JobRuntime): void {
    if (runtime.status !== 'running' || runtime.execution) return;
    emitStarted(this.#services.bus, runtime, this.#services.clock.now());
    this.#startExecution(runtime);
  }

  async cancel(runtime: JobRuntime, reason = 'it was cancelled'): Promise<boolean> {
    if (FINISHED_STATUSES.has(runtime.status)) return false;
    const execution = runtime.execution;
    runtime.execution = undefined;
    this.send(runtime, { type: 'CANCEL' }, { status: 'cancelled', reason });
    execution?.controller.abort(new JobCancelledError(runtime.id, reason));
    await this.#services.writes.settled();
    return true;
  }

  /** Aborts every attempt in flight and waits for them to settle. */
  async stop(reason: Error): Promise<void> {
    for (const execution of this.#inFlight.keys()) execution.controller.abort(reason);
    await Promise.allSettled([...this.#inFlight.values()]);
    this.ref.send({ type: 'STOP' });
  }

  #afterTransition(runtime: JobRuntime, from: JobStatus, event: JobEvent, run?: Outcome): void {
    const services = this.#services;
    const to = runtime.status;
    const record = runtime.record;
    if (to === 'scheduled') services.clockActor.schedule(DUE + runtime.id, record.execAt);
    else if (from === 'scheduled') services.clockActor.cancel(DUE + runtime.id);
    const finished = FINISHED_STATUSES.has(to);
    if (services.persists && runtime.task.options.durable && to !== 'pending') {
      if (finished) services.writes.remove(runtime);
      else services.writes.put(runtime);
    }
    const retrying = from === 'running' && to === 'scheduled' && record.attempt > 1;
    if (run && !retrying) {
      const outcome: Outcome =
        to === 'permanently_failed' && 'error' in run ? { ...run, status: to } : run;
      runtime.settle(outcome, !finished);
    }
    emitTransition(services.bus, runtime, {
      from,
      event,
      run,
      retrying,
      now: services.clock.now(),
    });
    if (to === 'running' && event.type === 'DUE') this.#startExecution(runtime);
    // A finished job actor is done; it holds no timers, so nothing needs stopping.
    if (finished) services.jobFinished(runtime);
  }

  #pipelineFor(task: Task): (ctx: JobContext) => Promise<unknown> {
    let pipeline = this.#pipelines.get(task);
    if (!pipeline) {
      pipeline = buildPipeline(task, this.#lineage, this.#timeoutHooks);
      this.#pipelines.set(task, pipeline);
    }
    return pipeline;
  }

  #startExecution(runtime: JobRuntime): void {
    const record = runtime.record;
    const execution: BoundExecution = { controller: new AbortController(), args: record.args };
    runtime.execution = execution;
    const ctx = this.#contextFor(runtime, execution);
    bindExecution(ctx, execution);
    const pipeline = this.#pipelineFor(runtime.task);
    const done = runInJobContext(ctx, () => pipeline(ctx)).then(
      (value) => this.#finishRun(runtime, execution, { ok: true, value }),
      (error: unknown) => this.#finishRun(runtime, execution, { ok: false, error: toError(error) }),
    );
    this.#inFlight.set(execution, done);
    void done.finally(() => this.#inFlight.delete(execution));
  }

  #contextFor(runtime: JobRuntime, execution: BoundExecution): JobContext {
    const services = this.#services;
    const { task } = runtime;
    let logger: Logger | undefined;
    return {
      job: runtime.handle,
      app: services.app,
      state: this.router.state,
      requestState: {},
      options: task.options,
      attempt: runtime.record.attempt,
      signal: execution.controller.signal,
      recovered: runtime.recovered,
      get logger() {
        return (logger ??= services.logger.child({ jobId: runtime.id, task: task.name }));
      },
    };
  }

  #finishRun(runtime: JobRuntime, execution: BoundExecution, result: RunResult): void {
    if (runtime.execution !== execution) return; // cancelled meanwhile
    runtime.execution = undefined;
    runtime.recovered = false;
    const services = this.#services;
    // A run interrupted by stop() stays stored as running and runs again on the next start.
    if (!result.ok && services.stopping) return;
    const nextAt = this.#nextOccurrence(runtime.record);
    if (result.ok) {
      const event =
        nextAt === undefined ? { type: 'SUCCEED' as const } : { type: 'SUCCEED' as const, nextAt };
      this.send(runtime, event, { status: 'success', value: result.value });
      return;
    }
    const { error } = result;
    const timedOut = error instanceof JobTimeoutError;
    const delay = execution.retryDelay;
    this.send(
      runtime,
      {
        type: 'FAIL',
        error: toErrorRecord(error),
        timedOut,
        ...(delay === undefined ? {} : { retryAt: services.clock.now() + delay }),
        ...(nextAt === undefined ? {} : { nextAt }),
      },
      { status: timedOut ? 'timeout' : 'failed', error },
    );
  }

  #nextOccurrence(record: JobRecord): number | undefined {
    const { trigger } = record;
    if (trigger.type !== 'cron') return undefined;
    try {
      return nextRunAt(
        trigger.cron.expression,
        trigger.occurrence,
        trigger.cron.tz ?? this.#services.tz,
      );
    } catch (error) {
      this.#services.logger.warn({ err: error, jobId: record.id }, 'cron has no next occurrence');
      return undefined;
    }
  }
}
