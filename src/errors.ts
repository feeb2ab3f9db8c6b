/**
 * Every error jobify throws extends {@link JobifyError}, so one `instanceof` check catches
 * them all, and `code` tells them apart without importing each class.
 *
 * @example
 * try { await job.result(); } catch (e) { if (e instanceof JobifyError) console.log(e.code); }
 */
export class JobifyError extends Error {
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/**
 * An operation that the app's lifecycle does not allow now: configuring after `start()`,
 * scheduling before it, scheduling a task of a router that is not attached.
 *
 * @example
 * app.use(mw); // after start(): throws ApplicationStateError
 */
export class ApplicationStateError extends JobifyError {
  constructor(message: string) {
    super(message, { code: 'APPLICATION_STATE' });
  }
}

/**
 * Two tasks share one full name (`prefix:name`), in one router or across routers.
 *
 * @example
 * app.task(send, { name: 'send' }); app.task(other, { name: 'send' }); // throws
 */
export class TaskAlreadyRegisteredError extends JobifyError {
  constructor(readonly taskName: string) {
    super(`A task named '${taskName}' is already registered.`, {
      code: 'TASK_ALREADY_REGISTERED',
    });
  }
}

/**
 * A job id that is already live (scheduled or running) was scheduled again without
 * `replace: true`.
 *
 * @example
 * await t.schedule().delay(1000, { jobId: 'a' }); await t.schedule().delay(1000, { jobId: 'a' }); // throws
 */
export class DuplicateJobError extends JobifyError {
  constructor(readonly jobId: string) {
    super(`Job '${jobId}' is already scheduled. Pass { replace: true } to reschedule it.`, {
      code: 'DUPLICATE_JOB',
    });
  }
}

/**
 * `job.result()` of a job whose last run threw; `cause` is what it threw.
 *
 * @example
 * await job.result().catch((e: JobFailedError) => e.cause);
 */
export class JobFailedError extends JobifyError {
  constructor(
    readonly jobId: string,
    cause: unknown,
  ) {
    super(`Job '${jobId}' failed: ${describe(cause)}`, { code: 'JOB_FAILED', cause });
  }
}

/**
 * An attempt ran longer than the task's `timeout`. Thrown inside the execution pipeline
 * (exception handlers and retry see it) and by `job.result()` of a job that ended `timeout`.
 *
 * @example
 * app.addExceptionHandler(JobTimeoutError, () => 'fallback');
 */
export class JobTimeoutError extends JobifyError {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(`Job '${jobId}' exceeded its timeout of ${timeoutMs} ms and was interrupted.`, {
      code: 'JOB_TIMEOUT',
    });
  }
}

/**
 * `job.result()` of a job that was cancelled (or dropped by outer middleware).
 *
 * @example
 * await job.cancel(); await job.result(); // rejects with JobCancelledError
 */
export class JobCancelledError extends JobifyError {
  constructor(
    readonly jobId: string,
    reason = 'it was cancelled',
  ) {
    super(`Job '${jobId}' did not finish: ${reason}.`, { code: 'JOB_CANCELLED' });
  }
}

/**
 * A cron expression or time zone that cron-parser rejects; the message names both.
 *
 * @example
 * new Cron('61 * * * *'); // throws InvalidCronError
 */
export class InvalidCronError extends JobifyError {
  constructor(
    readonly expression: string,
    readonly tz: string,
    cause: unknown,
  ) {
    super(`Invalid cron expression '${expression}' (tz '${tz}'): ${describe(cause)}`, {
      code: 'INVALID_CRON',
      cause,
    });
  }
}

/**
 * Throw it from a task to fail the job at once: it is never retried.
 *
 * @example
 * if (!user) throw new UnrecoverableError(`user ${id} does not exist`);
 */
export class UnrecoverableError extends JobifyError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'UNRECOVERABLE', cause: options.cause });
  }
}

/**
 * A durable job's arguments (or a stored record) could not be encoded or decoded.
 *
 * @example
 * await task.schedule(() => 1).push(); // throws SerializationError naming the argument
 */
export class SerializationError extends JobifyError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'SERIALIZATION', cause: options.cause });
  }
}

/**
 * A storage backend failed in a way the caller asked to hear about.
 *
 * @example
 * await app.start(); // rejects with StorageError when the store cannot be opened
 */
export class StorageError extends JobifyError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'STORAGE', cause: options.cause });
  }
}

/** Thrown for an invalid option or argument; the message names it, what was expected and what was given. */
export function invalidOption(name: string, expected: string, given: unknown): JobifyError {
  return new JobifyError(`Expected \`${name}\` to be ${expected}, got ${show(given)}`, {
    code: 'INVALID_OPTION',
  });
}

/** Thrown for an option key that does not exist (usually a typo); lists the known ones. */
export function unknownOption(owner: string, key: string, known: Iterable<string>): JobifyError {
  return new JobifyError(
    `Unknown ${owner} option \`${key}\`; the known options are: ${[...known].join(', ')}`,
    { code: 'INVALID_OPTION' },
  );
}

/** Turns whatever user code threw into an Error, keeping Errors as they are. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(`Non-error value thrown: ${show(thrown)}`, { cause: thrown });
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : show(cause);
}

/** A short, safe rendering of a value for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `Date(${value.toISOString()})`;
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const ctor = value.constructor;
  return ctor && ctor !== Object ? `an instance of ${ctor.name}` : 'an object';
}
