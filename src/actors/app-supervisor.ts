import type { Logger } from 'pino';
import { type AnyActorRef, type InspectionEvent, type Observer, createActor, setup } from 'xstate';
import type { Jobify } from '../app.js';
import type { Clock } from '../clock.js';
import { ApplicationStateError, JobifyError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { Job } from '../job.js';
import type { RouterBase } from '../routing/router.js';
import type { Task } from '../routing/task.js';
import type { SchedulePlan } from '../scheduling/schedule-builder.js';
import type { Serializer } from '../serialization/serializer.js';
import type { Storage } from '../storage/storage.js';
import { WriteBatcher } from '../storage/write-batcher.js';
import { type Alarm, type ClockActor, createClockActor } from './clock-actor.js';
import { JobRuntime } from './job-runtime.js';
import { type RestoreReport, declarativeCronId, restoreJobs } from './restore.js';
import { RouterSupervisor, type SupervisorServices } from './router-supervisor.js';
import { scheduleJob } from './schedule-job.js';

/** The root actor's lifecycle; router supervisors and job actors live in its system. */
export const appSupervisorMachine = setup({}).createMachine({
  id: 'jobify',
  initial: 'active',
  states: { active: { on: { STOP: 'stopped' } }, stopped: { type: 'final' } },
});

/** What the engine needs from the app, resolved once per start. */
export interface EngineConfig {
  readonly app: Jobify;
  readonly routers: readonly RouterBase[];
  readonly tasks: ReadonlyMap<string, Task>;
  readonly storage: Storage;
  /** False when the app was made with `storage: false`. */
  readonly persists: boolean;
  readonly serializer: Serializer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly tz: string;
  readonly idGenerator: () => string;
  readonly inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/**
 * The running app: the root supervisor with its clock actor, one router supervisor per
 * router, the live jobs, and the batched writes to storage. Made by `start()`, dropped by
 * `stop()`.
 */
export class Engine implements SupervisorServices {
  readonly app: Jobify;
  readonly clock: Clock;
  readonly clockActor: ClockActor<JobRuntime | Alarm>;
  readonly bus: EventBus;
  readonly writes: WriteBatcher;
  readonly logger: Logger;
  readonly tz: string;
  readonly storage: Storage;
  readonly persists: boolean;
  readonly inspecting: boolean;
  readonly serializer: Serializer;
  readonly tasks: ReadonlyMap<string, Task>;
  /** Jobs that are pending, scheduled or running, by id. */
  readonly live = new Map<string, JobRuntime>();
  stopping = false;
  stopped = false;
  readonly #config: EngineConfig;
  readonly #root: AnyActorRef;
  readonly #supervisors = new Map<RouterBase, RouterSupervisor>();
  readonly #idleWaiters = new Set<() => void>();

  constructor(config: EngineConfig) {
    this.#config = config;
    this.app = config.app;
    this.clock = config.clock;
    this.bus = config.bus;
    this.logger = config.logger;
    this.tz = config.tz;
    this.storage = config.storage;
    this.persists = config.persists;
    this.inspecting = config.inspect !== undefined;
    this.serializer = config.serializer;
    this.tasks = config.tasks;
    this.writes = new WriteBatcher({
      storage: config.storage,
      serializer: config.serializer,
      logger: config.logger,
      clock: config.clock,
    });
    this.clockActor = createClockActor<JobRuntime | Alarm>({
      clock: config.clock,
      onDue: (entry) => {
        if (entry instanceof JobRuntime) entry.supervisor.due(entry);
        else entry.fire();
      },
      onError: (error, entry) =>
        this.logger.error(
          { err: error, jobId: entry instanceof JobRuntime ? entry.id : undefined },
          'clock event failed',
        ),
    });
    this.#root = createActor(appSupervisorMachine, {
      ...(config.inspect ? { inspect: config.inspect } : {}),
    }).start();
    for (const router of config.routers) {
      this.#supervisors.set(router, new RouterSupervisor(router, this, this.#root));
    }
  }

  now(): number {
    return this.clock.now();
  }

  newId(): string {
    return this.#config.idGenerator();
  }

  supervisorFor(task: Task): RouterSupervisor {
    const supervisor = this.#supervisors.get(task.owner);
    if (!supervisor) {
      throw new ApplicationStateError(`Task '${task.name}' is not part of the running app.`);
    }
    return supervisor;
  }

  schedule(plan: SchedulePlan): Promise<Job> {
    if (this.stopping) {
      return Promise.reject(
        new ApplicationStateError('The app is stopping; nothing can be scheduled.'),
      );
    }
    return scheduleJob(this, plan);
  }

  restore(): Promise<RestoreReport> {
    return restoreJobs(this);
  }

  /** Schedules (or reconciles with storage) every task's declarative `cron`. */
  async declareCrons(): Promise<void> {
    for (const task of this.tasks.values()) {
      const { cron } = task.options;
      if (!cron) continue;
      await this.schedule({
        task,
        args: [...cron.args],
        when: { type: 'cron', cron },
        jobId: declarativeCronId(task),
        replace: true,
        force: false,
      });
    }
  }

  /** Starts time: due jobs run from now on. */
  startClock(): void {
    this.clockActor.start();
  }

  jobFinished(runtime: JobRuntime): void {
    if (this.live.get(runtime.id) === runtime) this.live.delete(runtime.id);
    if (this.live.size === 0) this.#wakeIdle();
  }

  /** Resolves when no job is pending, scheduled or running; rejects after `timeoutMs`. */
  waitIdle(timeoutMs?: number): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const expire = () => {
        this.#idleWaiters.delete(wake);
        reject(
          new JobifyError(`Jobs were still live after ${timeoutMs} ms (${this.live.size} left).`, {
            code: 'WAIT_TIMEOUT',
          }),
        );
      };
      const timer = timeoutMs === undefined ? undefined : this.clock.setTimeout(expire, timeoutMs);
      const wake = () => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        this.#idleWaiters.delete(wake);
        resolve();
      };
      this.#idleWaiters.add(wake);
    });
  }

  /**
   * Stops time, aborts attempts in flight and waits for them, writes what is queued, and
   * tells waiters. Durable jobs stay stored; interrupted runs run again on the next start.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clockActor.stop();
    const reason = new ApplicationStateError('The app is stopping.');
    await Promise.all([...this.#supervisors.values()].map((s) => s.stop(reason)));
    await this.writes.settled();
    for (const runtime of this.live.values()) {
      const status = runtime.status;
      if (status === 'scheduled' || status === 'running') {
        runtime.settle({ status, stopped: true }, false);
      }
    }
    this.live.clear();
    this.stopped = true;
    this.#wakeIdle();
    this.#root.send({ type: 'STOP' });
  }

  #wakeIdle(): void {
    for (const wake of [...this.#idleWaiters]) wake();
  }
}
