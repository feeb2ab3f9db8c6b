import { DuplicateJobError, toError } from '../errors.js';
import type { Job } from '../job.js';
import { deepEqual } from '../internal/deep-equal.js';
import type { OuterContext } from '../middleware/types.js';
import { applyMisfire } from '../scheduling/misfire.js';
import type { SchedulePlan, When } from '../scheduling/schedule-builder.js';
import { assertStorableArgs } from '../serialization/serializer.js';
import type { Engine } from './app-supervisor.js';
import { NO_ARGS, type Trigger } from './job-machine.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * Creates or replaces a job: resolves its id, works out its trigger and due time, runs the
 * outer middleware (if any), and — if they call `next` — sends SCHEDULE to the job (which
 * arms the clock and persists it). A dropped new job ends `cancelled`. Without outer
 * middleware it all happens synchronously, and the promise only waits for storage.
 */
export function scheduleJob(engine: Engine, plan: SchedulePlan): Promise<Job> {
  const { task } = plan;
  let runtime: JobRuntime;
  let isNew: boolean;
  let planned: Planned;
  try {
    const id = plan.jobId ?? engine.newId();
    const existing = engine.live.get(id);
    if (existing && (!plan.replace || existing.task !== task)) throw new DuplicateJobError(id);
    if (existing && !plan.force && isUnchanged(existing, plan)) {
      return Promise.resolve(existing);
    }
    const { trigger, execAt } = planTrigger(plan.when, existing, engine.now(), engine.tz);
    isNew = existing === undefined;
    runtime =
      existing ??
      engine.supervisorFor(task).createJob(task, {
        id,
        name: task.name,
        args: plan.args,
        trigger,
        execAt,
        attempt: 1,
      });
    planned = { trigger, execAt, durable: task.options.durable && engine.persists };
  } catch (error) {
    return Promise.reject(toError(error));
  }
  if (isNew) engine.live.set(runtime.id, runtime); // reserves the id while outer middleware runs
  if (runtime.supervisor.hasOuterMiddleware) {
    return settle(engine, runtime, planned, isNew, scheduleThroughOuter(runtime, plan, planned));
  }
  let scheduled: boolean;
  try {
    scheduled = scheduleNow(runtime, plan.args, planned);
  } catch (error) {
    return settle(engine, runtime, planned, isNew, Promise.reject(toError(error)));
  }
  return scheduled && planned.durable
    ? engine.writes.persisted().then(() => runtime)
    : Promise.resolve(runtime);
}

/**
 * Finishes an asynchronous (or failed) scheduling: a new job that was not scheduled ends
 * `cancelled`; a scheduled durable job is waited for until stored, since the caller may
 * rely on it surviving a crash once the promise resolves.
 */
async function settle(
  engine: Engine,
  runtime: JobRuntime,
  planned: Planned,
  isNew: boolean,
  scheduling: Promise<boolean>,
): Promise<Job> {
  let scheduled = false;
  try {
    scheduled = await scheduling;
  } finally {
    if (!scheduled && isNew) {
      await runtime.supervisor.cancel(
        runtime,
        'outer middleware dropped it before it was scheduled',
      );
    }
  }
  if (scheduled && planned.durable) await engine.writes.persisted();
  return runtime;
}

interface Planned {
  readonly trigger: Trigger;
  readonly execAt: number;
  readonly durable: boolean;
}

/** Sends SCHEDULE with the final arguments (checked first when the job will be stored). */
function scheduleNow(runtime: JobRuntime, args: readonly unknown[], planned: Planned): boolean {
  const { trigger, execAt, durable } = planned;
  if (durable) assertStorableArgs(runtime.task.name, args);
  runtime.supervisor.send(runtime, {
    type: 'SCHEDULE',
    args: args.length === 0 ? NO_ARGS : args,
    trigger,
    execAt,
  });
  return true;
}

/** Runs outer middleware around {@link scheduleNow}; false when they do not call `next`. */
async function scheduleThroughOuter(
  runtime: JobRuntime,
  plan: SchedulePlan,
  planned: Planned,
): Promise<boolean> {
  const { task, supervisor } = runtime;
  const ctx: OuterContext = {
    job: runtime,
    trigger: planned.trigger,
    args: [...plan.args],
    task,
    state: supervisor.router.state,
    force: plan.force,
    replace: plan.replace,
    durable: planned.durable,
    requestState: {},
  };
  let scheduled = false;
  await supervisor.runOuter(ctx, () => {
    scheduled = scheduleNow(runtime, ctx.args, planned);
    return Promise.resolve();
  });
  return scheduled;
}

/** An identical schedule with identical arguments changes nothing (unless `force`). */
function isUnchanged(existing: JobRuntime, plan: SchedulePlan): boolean {
  const record = existing.record;
  if (!deepEqual(record.args, plan.args)) return false;
  const { trigger } = record;
  switch (plan.when.type) {
    case 'push':
      return false;
    case 'at':
      return trigger.type === 'at' && trigger.at === plan.when.at;
    case 'cron':
      return trigger.type === 'cron' && deepEqual(trigger.cron, plan.when.cron.toSpec());
  }
}

/**
 * Trigger and first due time. For cron: a new `startDate` is the first run; a replaced cron
 * with the same expression keeps its planned occurrence; otherwise the next match after
 * now. The misfire policy then applies if that instant is already past.
 */
function planTrigger(
  when: When,
  existing: JobRuntime | undefined,
  now: number,
  tz: string,
): { trigger: Trigger; execAt: number } {
  if (when.type === 'push') return { trigger: when, execAt: now };
  if (when.type === 'at') return { trigger: when, execAt: when.at };
  const { cron } = when;
  const next = (after: number) => cron.nextAfter(after, tz);
  const old = existing?.record.trigger.type === 'cron' ? existing.record.trigger : undefined;
  let target: number;
  if (cron.startDate !== undefined && old?.cron.startDate !== cron.startDate) {
    target = cron.startDate;
  } else if (old && old.cron.expression === cron.expression && old.cron.tz === cron.tz) {
    target = old.occurrence;
  } else {
    target = next(now);
  }
  const execAt = applyMisfire(target, now, cron.misfirePolicy, next);
  return {
    trigger: {
      type: 'cron',
      cron: cron.toSpec(),
      occurrence: execAt,
      runCount: 0,
      failureCount: 0,
    },
    execAt,
  };
}
