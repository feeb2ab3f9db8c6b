import type { Logger } from 'pino';
import { type AnyActorRef, createActor, setup } from 'xstate';
import type { Clock } from '../clock.js';
import { ApplicationStateError, JobCancelledError, JobTimeoutError } from '../errors.js';
import type { Jobify } from '../app.js';
import { toErrorRecord } from '../internal/error-record.js';
import type { Execution } from '../middleware/execution.js';
import { compose } from '../middleware/compose.js';
import type { OuterContext, OuterMiddleware } from '../middleware/types.js';
import type { RouterBase } from '../routing/router.js';
import type { Task } from '../routing/task.js';
import { nextRunAt } from '../scheduling/cron.js';
import { AttemptRunner } from './attempt-runner.js';
import { Alarm, type ClockActor } from './clock-actor.js';
import {
  type JobEvent,
  type JobRecord,
  type JobStatus,
  FINISHED_STATUSES,
  jobMachine,
} from './job-machine.js';
import { JobRuntime, type Outcome } from './job-runtime.js';
import { persistedSnapshot, transitionJob } from './job-transition.js';
import { emitStarted, emitTransition } from './transition-events.js';
import type { EventBus } from '../events.js';
import type { WriteBatcher } from '../storage/write-batcher.js';

/** What a router supervisor borrows from the app's engine. */
export interface SupervisorServices {
  readonly app: Jobify;
  readonly clock: Clock;
  readonly clockActor: ClockActor<JobRuntime | Alarm>;
  readonly bus: EventBus;
  readonly writes: WriteBatcher;
  readonly logger: Logger;
  readonly tz: string;
  /** False when the app was made with `storage: false`. */
  readonly persists: boolean;
  /** True when the app has an `inspect` observer: every job then gets a mirror actor. */
  readonly inspecting: boolean;
  /** True once stop() began: failures of interrupted runs are not recorded. */
  readonly stopping: boolean;
  /** True once stop() has finished: this engine's jobs belong to no running app. */
  readonly stopped: boolean;
  /** Called when a job reaches a final status. */
  jobFinished(runtime: JobRuntime): void;
}

/**
 * The router supervisor's own lifecycle. It is the XState parent of every inspected job
 * actor of its router, so an inspector attached to the app sees the whole tree.
 */
export const routerSupervisorMachine = setup({
  types: { input: {} as { router: string }, context: {} as { router: string } },
}).createMachine({
  id: 'router',
  context: ({ input }) => input,
  initial: 'active',
  states: { active: { on: { STOP: 'stopped' } }, stopped: { type: 'final' } },
});

// Events without fields: one object each, not one per transition.
const DUE_EVENT: JobEvent = { type: 'DUE' };
const TIMEOUT_EVENT: JobEvent = { type: 'TIMEOUT' };
const CANCEL_EVENT: JobEvent = { type: 'CANCEL' };
const SUCCEED_EVENT: JobEvent = { type: 'SUCCEED' };

/**
 * Owns the jobs of one router: it moves each through the job machine, and does what a
 * transition implies — arm the clock, persist the state, run the task through the
 * pipeline, tell waiters and listeners.
 */
export class RouterSupervisor {
  readonly router: RouterBase;
  readonly ref: AnyActorRef;
  readonly #services: SupervisorServices;
  readonly #lineage: readonly RouterBase[];
  readonly #attempts: AttemptRunner;
  #outerLayers: OuterMiddleware[] | undefined;

  constructor(router: RouterBase, services: SupervisorServices, parent: AnyActorRef) {
    this.router = router;
    this.#services = services;
    this.#lineage = router.lineage();
    this.ref = createActor(routerSupervisorMachine, {
      parent,
      input: { router: router.fullPrefix },
    }).start();
    this.#attempts = new AttemptRunner({
      router,
      services,
      outcomes: {
        succeeded: (runtime, execution, value) => this.#succeeded(runtime, execution, value),
        failed: (runtime, execution, error) => this.#failed(runtime, execution, error),
        timedOut: (runtime, execution) => this.#timedOut(runtime, execution),
      },
    });
  }

  /** A new job in `pending`, owned by this supervisor. */
  createJob(task: Task, record: JobRecord): JobRuntime {
    const runtime = new JobRuntime({ task, supervisor: this, status: 'pending', record });
    if (this.#services.inspecting) {
      const mirror = createActor(jobMachine, { parent: this.ref, id: record.id, input: record });
      runtime.mirror = mirror.start();
    }
    return runtime;
  }

  /** A job brought back from storage; a run that was in flight runs again. */
  restoreJob(task: Task, status: JobStatus, record: JobRecord): JobRuntime {
    const runtime = new JobRuntime({ task, supervisor: this, status, record });
    runtime.inStore = true;
    if (this.#services.inspecting) {
      const snapshot = persistedSnapshot(runtime);
      const mirror = createActor(jobMachine, {
        parent: this.ref,
        id: record.id,
        snapshot,
        input: record,
      });
      runtime.mirror = mirror.start();
    }
    const { clockActor, clock } = this.#services;
    if (status === 'scheduled') clockActor.schedule(runtime);
    if (status === 'running') {
      runtime.recovered = true;
      clockActor.schedule(new Alarm(clock.now(), () => this.resume(runtime)));
    }
    return runtime;
  }

  /** Sends an event and carries out what the transition implies. */
  send(runtime: JobRuntime, event: JobEvent, run?: Outcome): void {
    const next = transitionJob(runtime, event);
    runtime.mirror?.send(event);
    if (next === undefined) return;
    const from = runtime.status;
    runtime.status = next.status;
    runtime.record = next.record;
    this.#checkMirror(runtime);
    this.#afterTransition(runtime, from, event, run);
  }

  /** Whether any outer middleware applies to this router's tasks. */
  get hasOuterMiddleware(): boolean {
    return this.#outer().length > 0;
  }

  /** Runs outer middleware (app first, then routers from the outermost) around `terminal`. */
  runOuter(ctx: OuterContext, terminal: () => Promise<void>): Promise<void> {
    return compose(this.#outer(), terminal)(ctx);
  }

  /** The clock says the job is due. */
  due(runtime: JobRuntime): void {
    if (runtime.status === 'scheduled') this.send(runtime, DUE_EVENT);
  }

  /** Runs a job restored in `running` (it was interrupted), once the clock has started. */
  resume(runtime: JobRuntime): void {
    if (runtime.status !== 'running' || runtime.execution) return;
    emitStarted(this.#services.bus, runtime, this.#services.clock.now());
    this.#attempts.start(runtime);
  }

  async cancel(runtime: JobRuntime, reason = 'it was cancelled'): Promise<boolean> {
    if (FINISHED_STATUSES.has(runtime.status)) return false;
    // A handle kept across a restart: acting on it would write to the storage the next run
    // restored this job from, behind that run's back.
    if (this.#services.stopped) {
      throw new ApplicationStateError(
        `Job '${runtime.id}' belongs to an app run that has stopped; ` +
          `cancel it through the running app: app.findJob('${runtime.id}')?.cancel().`,
      );
    }
    const execution = runtime.execution;
    runtime.execution = undefined;
    this.send(runtime, CANCEL_EVENT, { status: 'cancelled', reason });
    execution?.abort(new JobCancelledError(runtime.id, reason));
    await this.#services.writes.settled();
    return true;
  }

  /** Aborts every attempt in flight and waits for them to settle. */
  async stop(reason: Error): Promise<void> {
    await this.#attempts.abortAll(reason);
    this.ref.send({ type: 'STOP' });
  }

  #outer(): OuterMiddleware[] {
    return (this.#outerLayers ??= this.#lineage.flatMap((node) => node.outerMiddleware));
  }

  /** The mirror actor is the reference: should the two ever disagree, say so loudly. */
  #checkMirror(runtime: JobRuntime): void {
    const mirrored = runtime.mirror?.getSnapshot().value;
    if (mirrored !== undefined && mirrored !== runtime.status) {
      this.#services.logger.error(
        { jobId: runtime.id, status: runtime.status, mirrored },
        'jobify internal error: the job machine interpreter and XState disagree',
      );
    }
  }

  #afterTransition(runtime: JobRuntime, from: JobStatus, event: JobEvent, run?: Outcome): void {
    const services = this.#services;
    const to = runtime.status;
    const record = runtime.record;
    if (to === 'scheduled') services.clockActor.schedule(runtime);
    else if (from === 'scheduled') services.clockActor.cancel(runtime);
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
    if (services.bus.active) {
      emitTransition(services.bus, runtime, {
        from,
        event,
        run,
        retrying,
        now: services.clock.now(),
      });
    }
    if (to === 'running' && event.type === 'DUE') this.#attempts.start(runtime);
    if (finished) services.jobFinished(runtime);
  }

  /** Whether the outcome of `execution` is still to be recorded (not cancelled or stopped). */
  #settleRun(runtime: JobRuntime, execution: Execution): boolean {
    this.#attempts.ended(execution);
    if (runtime.execution !== execution) return false; // cancelled meanwhile
    runtime.execution = undefined;
    runtime.recovered = false;
    return true;
  }

  #succeeded(runtime: JobRuntime, execution: Execution, value: unknown): void {
    if (!this.#settleRun(runtime, execution)) return;
    const nextAt = this.#nextOccurrence(runtime.record);
    const event: JobEvent = nextAt === undefined ? SUCCEED_EVENT : { type: 'SUCCEED', nextAt };
    this.send(runtime, event, { status: 'success', value });
  }

  #failed(runtime: JobRuntime, execution: Execution, error: Error): void {
    if (!this.#settleRun(runtime, execution)) return;
    const services = this.#services;
    // A run interrupted by stop() stays stored as running and runs again on the next start.
    if (services.stopping) return;
    const nextAt = this.#nextOccurrence(runtime.record);
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

  /** The clock says the attempt's time is up. */
  #timedOut(runtime: JobRuntime, execution: Execution): void {
    if (runtime.status !== 'running' || runtime.execution !== execution) return;
    this.send(runtime, TIMEOUT_EVENT);
    execution.onTimeout?.();
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
