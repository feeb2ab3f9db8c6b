import type { Logger } from 'pino';
import type { Engine } from './actors/app-supervisor.js';
import { ApplicationStateError, TaskAlreadyRegisteredError, invalidOption } from './errors.js';
import {
  EVENT_TYPES,
  EventBus,
  type EventListener,
  type JobEventType,
  type JobifyEvent,
  iterateEvents,
} from './events.js';
import type { Job } from './job.js';
import { type JobifyOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type AppHost, RouterBase, collectRouters } from './routing/router.js';
import type { Task } from './routing/task.js';
import { runStart, runStop } from './lifecycle.js';

type Phase = 'idle' | 'starting' | 'started' | 'stopping';

/**
 * The app: the root router plus the scheduler's lifecycle. Made by {@link createJobify}.
 *
 * @example
 * const app = createJobify();
 * const hello = app.task(async function hello(name: string) { return `hello ${name}`; });
 * await app.start();
 * const job = await hello.push('world');
 * console.log(await job.result());
 * await app.stop();
 */
export class Jobify extends RouterBase implements AppHost {
  readonly logger: Logger;
  /** @internal */
  readonly config: ResolvedOptions;
  /** @internal */
  readonly bus: EventBus;
  #phase: Phase = 'idle';
  #engine: Engine | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #registry = new Map<string, Task>();
  /** Cleanups of lifespans and plugins of the current run, in start order. */
  #cleanups: (() => void | Promise<void>)[] = [];

  /** @internal Use {@link createJobify}. */
  constructor(options: JobifyOptions = {}) {
    const config = resolveOptions(options);
    super({
      state: options.state,
      middleware: options.middleware,
      outerMiddleware: options.outerMiddleware,
      exceptionHandlers: options.exceptionHandlers,
    });
    this.config = config;
    this.logger = config.logger;
    this.bus = new EventBus(config.logger);
  }

  protected override host(): AppHost {
    return this;
  }

  /** Whether `start()` has completed and `stop()` has not begun. */
  get started(): boolean {
    return this.#phase === 'started';
  }

  /** @internal */
  registerTasks(tasks: readonly Task[]): void {
    const names = new Set<string>();
    for (const task of tasks) {
      const name = task.name;
      if (this.#registry.has(name) || names.has(name)) throw new TaskAlreadyRegisteredError(name);
      names.add(name);
    }
    for (const task of tasks) this.#registry.set(task.name, task);
  }

  /** @internal */
  engineForTask(task: Task): Engine {
    const engine = this.#engine;
    if (!engine || this.#phase === 'idle' || this.#phase === 'stopping') {
      throw new ApplicationStateError(
        `Cannot schedule '${task.name}': the app is not started. Call app.start() first.`,
      );
    }
    return engine;
  }

  /** @internal */
  assertConfigurable(operation: string): void {
    if (this.#phase !== 'idle') {
      throw new ApplicationStateError(
        `Cannot ${operation}: the app is already running and its configuration is frozen.`,
      );
    }
  }

  /**
   * Opens storage, starts plugins, restores stored jobs, runs lifespans (app first, then
   * routers from the outermost; scheduling works inside them), starts declarative crons,
   * then starts time. Idempotent; concurrent calls share one start.
   */
  start(): Promise<void> {
    if (this.#phase === 'started') return Promise.resolve();
    if (this.#starting) return this.#starting;
    if (this.#stopping) return this.#stopping.then(() => this.start());
    this.#phase = 'starting';
    this.#starting = this.#start().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #start(): Promise<void> {
    const cleanups: (() => void | Promise<void>)[] = [];
    try {
      this.#engine = await runStart(this, cleanups, (engine) => (this.#engine = engine));
      this.#cleanups = cleanups;
      this.#phase = 'started';
    } catch (error) {
      this.#phase = 'stopping';
      await runStop(this.#engine, cleanups, this.logger);
      this.#engine = undefined;
      this.#phase = 'idle';
      throw error;
    }
  }

  /**
   * Stops time, aborts running attempts (their `signal`) and waits for them, then runs
   * lifespan cleanups and plugin stops in reverse order and closes storage. Durable jobs
   * stay stored and come back on the next start. Idempotent; concurrent calls share one stop.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (this.#starting)
      return this.#starting.then(
        () => this.stop(),
        () => this.stop(),
      );
    if (this.#phase === 'idle') return Promise.resolve();
    this.#phase = 'stopping';
    const engine = this.#engine;
    const cleanups = this.#cleanups;
    this.#stopping = runStop(engine, cleanups, this.logger).finally(() => {
      this.#engine = undefined;
      this.#cleanups = [];
      this.#phase = 'idle';
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  /** `await using app = createJobify()` stops the app at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** The live job (pending, scheduled or running) with this id. */
  findJob(id: string): Job | undefined {
    return this.#engine?.live.get(id);
  }

  /** Every live job. */
  getActiveJobs(): Job[] {
    return [...(this.#engine?.live.values() ?? [])];
  }

  /**
   * Resolves when no job is scheduled or running (cron jobs keep the app busy). After
   * `timeoutMs`, rejects with a JobifyError whose code is `WAIT_TIMEOUT`.
   */
  waitAll(timeoutMs?: number): Promise<void> {
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
      return Promise.reject(invalidOption('timeoutMs', 'a number of ms >= 0', timeoutMs));
    }
    return this.#engine?.waitIdle(timeoutMs) ?? Promise.resolve();
  }

  /**
   * Subscribes to job events; returns the unsubscribe function. A listener that throws is
   * logged and never breaks the scheduler.
   *
   * @example
   * const off = app.on('job.failed', (e) => alert(e.name, e.error));
   */
  on<T extends JobEventType | '*'>(type: T, listener: EventListener<T>): () => void {
    if (type !== '*' && !EVENT_TYPES.includes(type)) {
      throw invalidOption('type', `one of ${EVENT_TYPES.join(', ')} or *`, type);
    }
    if (typeof listener !== 'function') throw invalidOption('listener', 'a function', listener);
    return this.bus.on(type, listener as (event: JobifyEvent) => unknown);
  }

  /**
   * The same events as an async iterable; `signal` ends it.
   *
   * @example
   * for await (const event of app.events({ signal })) console.log(event.type, event.jobId);
   */
  events(
    options: { signal?: AbortSignal; types?: readonly JobEventType[] } = {},
  ): AsyncIterableIterator<JobifyEvent> {
    return iterateEvents(this.bus, options);
  }

  /** @internal Every registered task by full name. */
  get registry(): ReadonlyMap<string, Task> {
    return this.#registry;
  }

  /** @internal Routers in start order: the app, then routers from the outermost. */
  routerTree(): RouterBase[] {
    return collectRouters(this);
  }
}

/**
 * Creates an app. Every option is validated here.
 *
 * @example
 * const app = createJobify({ storage: memoryStorage(), tz: 'Europe/Berlin' });
 */
export function createJobify(options: JobifyOptions = {}): Jobify {
  return new Jobify(options);
}
