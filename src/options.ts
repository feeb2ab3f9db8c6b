import { pino, type Logger } from 'pino';
import { createIdGenerator } from './internal/ids.js';
import type { InspectionEvent, Observer } from 'xstate';
import { type Clock, createSystemClock } from './clock.js';
import { invalidOption, unknownOption } from './errors.js';
import type { ExceptionHandlers, Middleware, OuterMiddleware } from './middleware/types.js';
import type { Lifespan } from './routing/router.js';
import type { Jobify } from './app.js';
import { type Serializer, msgpackSerializer } from './serialization/serializer.js';
import { memoryStorage } from './storage/memory/memory-storage.js';
import type { Storage } from './storage/storage.js';

/**
 * A plugin starts after storage (in array order) and stops before it (in reverse).
 *
 * @example
 * const metrics: Plugin = { name: 'metrics', start: (app) => { app.on('*', count); } };
 */
export interface Plugin {
  readonly name: string;
  start?(app: Jobify): void | Promise<void>;
  stop?(app: Jobify): void | Promise<void>;
}

/**
 * Options of {@link createJobify}.
 *
 * @example
 * const app = createJobify({ tz: 'Europe/Berlin', logger: false });
 */
export interface JobifyOptions {
  /** Where jobs persist; `false` persists nothing. @default memoryStorage() */
  storage?: Storage | false;
  /** IANA zone for cron evaluation. @default 'UTC' */
  tz?: string;
  /** A pino logger, or false for silence. @default pino at level $JOBIFY_LOG_LEVEL or 'info' */
  logger?: Logger | false;
  /** Execution middleware at app level. @default [] */
  middleware?: Middleware[];
  /** Scheduling middleware at app level. @default [] */
  outerMiddleware?: OuterMiddleware[];
  exceptionHandlers?: ExceptionHandlers;
  /** Runs at start; the function it returns runs at stop. */
  lifespan?: Lifespan<Jobify>;
  /** Initial `app.state`. @default {} */
  state?: Record<string, unknown>;
  /** @default [] */
  plugins?: Plugin[];
  /** @default msgpack (msgpackr) */
  serializer?: Serializer;
  /** @default the system clock */
  clock?: Clock;
  /** XState inspection observer, attached to the root of every job actor's system. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** @default a monotonic ULID factory */
  idGenerator?: () => string;
  /** Key prefix in storage. @default 'jobify' */
  namespace?: string;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly storage: Storage | false;
  readonly tz: string;
  readonly logger: Logger;
  readonly lifespan: Lifespan<Jobify> | undefined;
  readonly plugins: readonly Plugin[];
  readonly serializer: Serializer;
  readonly clock: Clock;
  readonly inspect: JobifyOptions['inspect'];
  readonly idGenerator: () => string;
  readonly namespace: string;
}

export const DEFAULTS = {
  tz: 'UTC',
  namespace: 'jobify',
  logLevel: 'info',
} satisfies { tz: string; namespace: string; logLevel: string };

const KNOWN = new Set<string>([
  'storage',
  'tz',
  'logger',
  'middleware',
  'outerMiddleware',
  'exceptionHandlers',
  'lifespan',
  'state',
  'plugins',
  'serializer',
  'clock',
  'inspect',
  'idGenerator',
  'namespace',
]);

function isTimeZone(tz: unknown): boolean {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    throw invalidOption(name, 'a function', value);
}

function checkShape(
  name: string,
  value: unknown,
  methods: readonly string[],
  expected: string,
): void {
  if (value === undefined) return;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  if (!ok) throw invalidOption(name, expected, value);
}

function resolvePlugins(plugins: unknown): Plugin[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) throw invalidOption('plugins', 'an array of plugins', plugins);
  for (const plugin of plugins as unknown[]) {
    const p = plugin as Partial<Plugin> | null;
    if (typeof p !== 'object' || p === null || typeof p.name !== 'string') {
      throw invalidOption('plugins', 'plugins with a string `name`', plugin);
    }
    checkFunction(`plugins[${p.name}].start`, p.start);
    checkFunction(`plugins[${p.name}].stop`, p.stop);
  }
  return [...(plugins as Plugin[])];
}

function resolveLogger(logger: unknown): Logger {
  if (logger === false) return pino({ enabled: false });
  if (logger === undefined) {
    return pino({ name: 'jobify', level: process.env.JOBIFY_LOG_LEVEL ?? DEFAULTS.logLevel });
  }
  checkShape('logger', logger, ['child', 'info', 'warn', 'error'], 'a pino Logger or false');
  return logger as Logger;
}

/** Validates every app option once, naming the option, what was expected and what was given. */
export function resolveOptions(options: JobifyOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw invalidOption('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw unknownOption('createJobify', key, KNOWN);
  }
  const tz = options.tz ?? DEFAULTS.tz;
  if (!isTimeZone(tz)) throw invalidOption('tz', 'an IANA time zone name', tz);
  const namespace = options.namespace ?? DEFAULTS.namespace;
  if (typeof namespace !== 'string' || namespace === '') {
    throw invalidOption('namespace', 'a non-empty string', namespace);
  }
  if (options.storage !== false) {
    checkShape(
      'storage',
      options.storage,
      ['open', 'close', 'load', 'write'],
      'a Storage or false',
    );
  }
  checkShape('serializer', options.serializer, ['encode', 'decode'], 'a Serializer');
  checkShape('clock', options.clock, ['now', 'setTimeout', 'clearTimeout'], 'a Clock');
  checkFunction('lifespan', options.lifespan);
  checkFunction('idGenerator', options.idGenerator);
  if (options.inspect !== undefined && typeof options.inspect !== 'function') {
    checkShape('inspect', options.inspect, ['next'], 'an inspection observer or function');
  }
  return {
    storage: options.storage ?? memoryStorage(),
    tz,
    logger: resolveLogger(options.logger),
    lifespan: options.lifespan,
    plugins: resolvePlugins(options.plugins),
    serializer: options.serializer ?? msgpackSerializer(),
    clock: options.clock ?? createSystemClock(),
    inspect: options.inspect,
    idGenerator: options.idGenerator ?? createIdGenerator(),
    namespace,
  };
}
