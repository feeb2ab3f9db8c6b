export { createJobify, Jobify } from './app.js';
export type { JobifyOptions, Plugin } from './options.js';
export { createRouter, Router } from './routing/router.js';
export type { Lifespan, LifespanCleanup, RouterOptions } from './routing/router.js';
export type { Task, TaskOptions, ResolvedTaskOptions } from './routing/task.js';
export type {
  ScheduleBuilder,
  ScheduleOptions,
  CronScheduleOptions,
} from './scheduling/schedule-builder.js';
export { Cron, MisfirePolicy } from './scheduling/cron.js';
export type { CronOptions, CronSpec, MisfirePolicyValue } from './scheduling/cron.js';
export { SmartRetry } from './scheduling/retry.js';
export type { SmartRetryOptions, ErrorClass } from './scheduling/retry.js';
export type { Job } from './job.js';
export { JobStatus } from './actors/job-machine.js';
export { jobMachine } from './actors/job-machine.js';
export type { JobMachine, Trigger } from './actors/job-machine.js';
export { getJobContext } from './context.js';
export type { JobContext } from './context.js';
export type {
  Middleware,
  OuterMiddleware,
  OuterContext,
  ExceptionHandler,
  ExceptionHandlers,
} from './middleware/types.js';
export type {
  JobEventMap,
  JobEventType,
  JobifyEvent,
  JobEventBase,
  EventListener,
} from './events.js';
export { createSimulatedClock, createSystemClock } from './clock.js';
export type { Clock, SimulatedClock } from './clock.js';
export { memoryStorage } from './storage/memory/memory-storage.js';
export { fileStorage } from './storage/file/file-storage.js';
export type { FileStorageOptions } from './storage/file/file-storage.js';
export { redisStorage } from './storage/redis/redis-storage.js';
export type { RedisStorageOptions } from './storage/redis/redis-storage.js';
export type {
  Storage,
  StoredJob,
  StorageWrite,
  StorageContext,
  SetAsideJob,
} from './storage/storage.js';
export { msgpackSerializer } from './serialization/serializer.js';
export type { Serializer } from './serialization/serializer.js';
export {
  JobifyError,
  ApplicationStateError,
  TaskAlreadyRegisteredError,
  DuplicateJobError,
  JobFailedError,
  JobTimeoutError,
  JobCancelledError,
  InvalidCronError,
  UnrecoverableError,
  SerializationError,
  StorageError,
} from './errors.js';
