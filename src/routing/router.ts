import {
  ApplicationStateError,
  JobifyError,
  TaskAlreadyRegisteredError,
  invalidOption,
} from '../errors.js';
import type {
  ExceptionHandler,
  ExceptionHandlers,
  Middleware,
  OuterMiddleware,
} from '../middleware/types.js';
import type { ErrorClass } from '../scheduling/retry.js';
import type { Engine } from '../actors/app-supervisor.js';
import { addHandler, joinPrefixes, qualifyName, toHandlerMap, validatePrefix } from './naming.js';
import { Task, type TaskOptions, resolveTaskOptions } from './task.js';

/**
 * Runs when the app starts; the function it returns (if any) runs when the app stops.
 *
 * @example
 * const lifespan: Lifespan<Router> = async (router) => {
 *   router.state.db = await connect();
 *   return () => (router.state.db as Db).close();
 * };
 */
export type Lifespan<T> = (owner: T) => Promise<LifespanCleanup> | LifespanCleanup;
export type LifespanCleanup = void | (() => void | Promise<void>);

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /** Joined to parent prefixes with `.`; task names follow after `:`. @default no prefix */
  prefix?: string;
  /** Initial router state; lookups fall back to parent routers' and the app's state. */
  state?: Record<string, unknown>;
  lifespan?: Lifespan<Router>;
  middleware?: Middleware[];
  outerMiddleware?: OuterMiddleware[];
  exceptionHandlers?: ExceptionHandlers;
}

/** What a router tree needs from the app it is attached to. */
export interface AppHost {
  /** Adds tasks to the app's registry; throws TaskAlreadyRegisteredError, adding none. */
  registerTasks(tasks: readonly Task[]): void;
  /** The running engine for scheduling, or throws ApplicationStateError. */
  engineForTask(task: Task): Engine;
  /** Throws ApplicationStateError once the app is started. */
  assertConfigurable(operation: string): void;
}

/** The parts routers and the app share: tasks, sub-routers, middleware, handlers, state. */
export abstract class RouterBase {
  readonly prefix: string | undefined;
  readonly state: Record<string, unknown>;
  readonly #middleware: Middleware[];
  readonly #outerMiddleware: OuterMiddleware[];
  readonly #handlers: Map<ErrorClass, ExceptionHandler>;
  readonly #tasks = new Map<string, Task>();
  readonly #routers: Router[] = [];
  #parent: RouterBase | undefined;
  /** Cached: names are built on every scheduling call; reset whenever the lineage changes. */
  #fullPrefix: string | undefined;

  protected constructor(options: {
    prefix?: string | undefined;
    state?: Record<string, unknown> | undefined;
    middleware?: Middleware[] | undefined;
    outerMiddleware?: OuterMiddleware[] | undefined;
    exceptionHandlers?: ExceptionHandlers | undefined;
  }) {
    if (options.prefix !== undefined) validatePrefix(options.prefix);
    this.prefix = options.prefix;
    this.state = Object.assign(Object.create(null) as Record<string, unknown>, options.state);
    this.#middleware = functionList('middleware', options.middleware);
    this.#outerMiddleware = functionList('outerMiddleware', options.outerMiddleware);
    this.#handlers = toHandlerMap('exceptionHandlers', options.exceptionHandlers);
  }

  /** The app this router's tree is attached to, if any. */
  protected host(): AppHost | undefined {
    return this.#parent?.host();
  }

  get parent(): RouterBase | undefined {
    return this.#parent;
  }

  get routers(): readonly Router[] {
    return this.#routers;
  }

  get tasks(): readonly Task[] {
    return [...this.#tasks.values()];
  }

  get middleware(): readonly Middleware[] {
    return this.#middleware;
  }

  get outerMiddleware(): readonly OuterMiddleware[] {
    return this.#outerMiddleware;
  }

  get exceptionHandlers(): ReadonlyMap<ErrorClass, ExceptionHandler> {
    return this.#handlers;
  }

  /**
   * Registers `fn` as a task of this router.
   *
   * @example
   * const send = router.task(async function send(to: string) { … }, { retry: 3 });
   */
  // Generic over the whole function (not its parts) so a default parameter such as
  // `ctx = getJobContext()` keeps its type instead of collapsing to unknown.
  task<F extends (...args: never[]) => unknown>(
    fn: F,
    options?: TaskOptions,
  ): Task<Parameters<F>, Awaited<ReturnType<F>>> {
    this.host()?.assertConfigurable('register a task');
    const resolved = resolveTaskOptions(fn, options);
    const task = new Task(
      this,
      fn as unknown as (...args: Parameters<F>) => Awaited<ReturnType<F>>,
      resolved,
    );
    if (this.#tasks.has(resolved.name)) {
      throw new TaskAlreadyRegisteredError(task.name);
    }
    this.host()?.registerTasks([task]);
    this.#tasks.set(resolved.name, task);
    return task;
  }

  /** Attaches a router (and its sub-routers) below this one. */
  includeRouter(router: Router): this {
    this.host()?.assertConfigurable('include a router');
    if (!(router instanceof Router)) throw invalidOption('router', 'a Router', router);
    if ((router as RouterBase) === this) {
      throw new JobifyError('A router cannot include itself.', { code: 'INVALID_ROUTER' });
    }
    if (router.parent) {
      throw new JobifyError('This router is already attached to another router or app.', {
        code: 'INVALID_ROUTER',
      });
    }
    for (const node of this.lineage()) {
      if (node === router) {
        throw new JobifyError('Including this router would make a cycle.', {
          code: 'INVALID_ROUTER',
        });
      }
    }
    // Attach first: the tasks' full names include this router's prefixes.
    router.#attachTo(this);
    try {
      this.host()?.registerTasks(collectTasks(router));
    } catch (error) {
      router.#attachTo(undefined);
      throw error;
    }
    Object.setPrototypeOf(router.state, this.state);
    this.#routers.push(router);
    return this;
  }

  /** Attaches several routers; at least one. */
  includeRouters(...routers: Router[]): this {
    if (routers.length === 0) throw invalidOption('routers', 'at least one router', routers);
    for (const router of routers) this.includeRouter(router);
    return this;
  }

  /** Adds execution middleware (after the ones given at construction). */
  use(middleware: Middleware): this {
    this.host()?.assertConfigurable('add middleware');
    this.#middleware.push(...functionList('middleware', [middleware]));
    return this;
  }

  /** Adds scheduling (outer) middleware. */
  useOuter(middleware: OuterMiddleware): this {
    this.host()?.assertConfigurable('add outer middleware');
    this.#outerMiddleware.push(...functionList('outerMiddleware', [middleware]));
    return this;
  }

  /** Handles errors of `errorClass` (and subclasses) thrown by this router's tasks. */
  addExceptionHandler<E extends Error>(
    errorClass: abstract new (...args: never[]) => E,
    handler: ExceptionHandler,
  ): this {
    this.host()?.assertConfigurable('add an exception handler');
    addHandler(this.#handlers, 'exceptionHandler', errorClass, handler);
    return this;
  }

  /** Joined prefixes of this router and its ancestors. */
  get fullPrefix(): string {
    return (this.#fullPrefix ??= joinPrefixes(this.lineage().map((node) => node.prefix)));
  }

  #attachTo(parent: RouterBase | undefined): void {
    this.#parent = parent;
    const forget = (node: RouterBase): void => {
      node.#fullPrefix = undefined;
      for (const child of node.#routers) forget(child);
    };
    forget(this);
  }

  /** This router and its ancestors, the outermost (the app) first. */
  lineage(): RouterBase[] {
    const parents = this.#parent ? this.#parent.lineage() : [];
    return [...parents, this];
  }

  /** @internal A task's full name. */
  qualify(name: string): string {
    return qualifyName(this.fullPrefix, name);
  }

  /** @internal The engine that schedules this task; throws unless attached to a started app. */
  engineFor(task: Task): Engine {
    const host = this.host();
    if (!host) {
      throw new ApplicationStateError(
        `Task '${task.name}' is not attached to any app. Did you forget app.includeRouter()?`,
      );
    }
    return host.engineForTask(task);
  }
}

/**
 * A group of tasks with a shared prefix, state, lifespan, middleware and exception
 * handlers. Attach it with `app.includeRouter(router)` (or to another router).
 *
 * @example
 * const email = createRouter({ prefix: 'email' });
 * const send = email.task(async function send(to: string) { … }); // 'email:send'
 * app.includeRouter(email);
 */
export class Router extends RouterBase {
  readonly lifespan: Lifespan<Router> | undefined;

  /** @internal Use {@link createRouter}. */
  constructor(options: RouterOptions = {}) {
    super(options);
    if (options.lifespan !== undefined && typeof options.lifespan !== 'function') {
      throw invalidOption('lifespan', 'a function', options.lifespan);
    }
    this.lifespan = options.lifespan;
  }
}

/**
 * Makes a router.
 *
 * @example
 * const reports = createRouter({ prefix: 'reports', state: { format: 'pdf' } });
 */
export function createRouter(options: RouterOptions = {}): Router {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', 'an object', options);
  }
  return new Router(options);
}

/** Every task in a router tree, depth first. */
export function collectTasks(router: RouterBase): Task[] {
  return [...router.tasks, ...router.routers.flatMap((child) => collectTasks(child))];
}

/** Every router in a tree, parents before children (pre-order). */
export function collectRouters(router: RouterBase): RouterBase[] {
  return [router, ...router.routers.flatMap((child) => collectRouters(child))];
}

function functionList<T>(option: string, list: readonly T[] | undefined): T[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalidOption(option, 'an array of functions', list);
  const items: readonly unknown[] = list;
  for (const item of items) {
    if (typeof item !== 'function') throw invalidOption(option, 'an array of functions', item);
  }
  return [...(items as T[])];
}
