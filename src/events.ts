import type { Logger } from 'pino';
import type { JobStatus } from './actors/job-machine.js';

/** Fields every job event carries. */
export interface JobEventBase {
  readonly jobId: string;
  /** Full task name. */
  readonly name: string;
  /** The job's status after the change. */
  readonly status: JobStatus;
  readonly at: Date;
  readonly attempt: number;
}

/**
 * Every event `app.on` and `app.events()` deliver, by type.
 *
 * @example
 * app.on('job.failed', (e) => console.error(e.name, e.error));
 */
export interface JobEventMap {
  'job.scheduled': JobEventBase & { readonly type: 'job.scheduled'; readonly execAt: Date };
  'job.started': JobEventBase & { readonly type: 'job.started'; readonly recovered: boolean };
  'job.retrying': JobEventBase & {
    readonly type: 'job.retrying';
    readonly error: Error;
    readonly execAt: Date;
  };
  'job.succeeded': JobEventBase & { readonly type: 'job.succeeded'; readonly result: unknown };
  'job.failed': JobEventBase & { readonly type: 'job.failed'; readonly error: Error };
  'job.timeout': JobEventBase & { readonly type: 'job.timeout'; readonly error: Error };
  'job.cancelled': JobEventBase & { readonly type: 'job.cancelled' };
  'job.permanently_failed': JobEventBase & {
    readonly type: 'job.permanently_failed';
    readonly error: Error;
  };
  'job.transition': JobEventBase & {
    readonly type: 'job.transition';
    readonly from: JobStatus;
    readonly to: JobStatus;
  };
}

export type JobEventType = keyof JobEventMap;
export type JobifyEvent = JobEventMap[JobEventType];
export type EventListener<T extends JobEventType | '*'> = (
  event: T extends JobEventType ? JobEventMap[T] : JobifyEvent,
) => unknown;

export const EVENT_TYPES: readonly JobEventType[] = [
  'job.scheduled',
  'job.started',
  'job.retrying',
  'job.succeeded',
  'job.failed',
  'job.timeout',
  'job.cancelled',
  'job.permanently_failed',
  'job.transition',
];

type AnyListener = (event: JobifyEvent) => unknown;

/**
 * Delivers job events to listeners. A listener that throws (or rejects) is logged and
 * never reaches the scheduler.
 */
export class EventBus {
  readonly #listeners = new Map<JobEventType | '*', Set<AnyListener>>();
  readonly #logger: Logger;
  #count = 0;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on(type: JobEventType | '*', listener: AnyListener): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    if (!set.has(listener)) {
      set.add(listener);
      this.#count += 1;
    }
    return () => {
      if (set.delete(listener)) this.#count -= 1;
    };
  }

  /** Whether anyone listens at all: the engine skips event work for an app without listeners. */
  get active(): boolean {
    return this.#count > 0;
  }

  /** Whether anyone listens to `type` (so the caller can skip building the event). */
  wants(type: JobEventType): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0 || (this.#listeners.get('*')?.size ?? 0) > 0;
  }

  emit(event: JobifyEvent): void {
    this.#deliver(this.#listeners.get(event.type), event);
    this.#deliver(this.#listeners.get('*'), event);
  }

  #deliver(listeners: Set<AnyListener> | undefined, event: JobifyEvent): void {
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        const returned = listener(event);
        if (returned instanceof Promise) {
          returned.catch((error: unknown) => this.#report(error, event));
        }
      } catch (error) {
        this.#report(error, event);
      }
    }
  }

  #report(error: unknown, event: JobifyEvent): void {
    this.#logger.error(
      { err: error, event: event.type, jobId: event.jobId },
      'event listener threw',
    );
  }
}

/**
 * The bus as an async iterable: events are buffered between reads; `signal` ends it.
 */
export function iterateEvents(
  bus: EventBus,
  options: { signal?: AbortSignal; types?: readonly JobEventType[] } = {},
): AsyncIterableIterator<JobifyEvent> {
  const buffer: JobifyEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = options.signal?.aborted ?? false;
  const wanted = options.types ? new Set(options.types) : undefined;
  const off = bus.on('*', (event) => {
    if (wanted && !wanted.has(event.type)) return;
    buffer.push(event);
    wake?.();
  });
  const end = () => {
    ended = true;
    off();
    wake?.();
  };
  options.signal?.addEventListener('abort', end, { once: true });
  const iterator: AsyncIterableIterator<JobifyEvent> = {
    async next() {
      while (buffer.length === 0 && !ended) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      const event = buffer.shift();
      return event ? { value: event, done: false } : { value: undefined, done: true };
    },
    return() {
      end();
      options.signal?.removeEventListener('abort', end);
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  if (ended) off();
  return iterator;
}
