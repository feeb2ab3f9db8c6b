import { toError } from '../errors.js';
import type { Task } from '../routing/task.js';
import { Cron } from '../scheduling/cron.js';
import { applyMisfire } from '../scheduling/misfire.js';
import { decodeJob } from '../storage/job-codec.js';
import type { SetAsideJob } from '../storage/storage.js';
import type { Engine } from './app-supervisor.js';
import type { JobState } from './job-transition.js';

/** Prefix of the ids of declarative crons (the task option `cron`). */
export const DECLARATIVE_CRON_PREFIX = 'cron:';

export function declarativeCronId(task: Task): string {
  return DECLARATIVE_CRON_PREFIX + task.name;
}

/** What a restore did, for the log and for tests. */
export interface RestoreReport {
  readonly restored: number;
  readonly setAside: number;
  readonly removed: number;
}

/**
 * Brings every stored job back as an actor. A record that cannot be decoded, or whose task
 * is gone or no longer durable, is set aside (kept for inspection, never silently deleted)
 * and startup goes on. A declarative cron removed from code is deleted. Overdue cron
 * occurrences get their misfire policy; everything else keeps its due time (overdue runs
 * at once) and a run that was in flight runs again.
 */
export async function restoreJobs(engine: Engine): Promise<RestoreReport> {
  const stored = await engine.storage.load();
  const setAside: SetAsideJob[] = [];
  const removed: string[] = [];
  let restored = 0;
  const now = engine.now();
  for (const job of stored) {
    const task = engine.tasks.get(job.name);
    const reason = !task
      ? job.name === ''
        ? 'the record cannot be decoded'
        : `task '${job.name}' is not registered`
      : !task.options.durable
        ? `task '${job.name}' is not durable any more`
        : undefined;
    if (reason || !task) {
      setAside.push({ job, reason: reason ?? '', at: now });
      continue;
    }
    if (
      job.id.startsWith(DECLARATIVE_CRON_PREFIX) &&
      declarativeCronId(task) === job.id &&
      !task.options.cron
    ) {
      removed.push(job.id);
      continue;
    }
    try {
      const { status, record } = withMisfire(decodeJob(job, engine.serializer), now, engine.tz);
      engine.live.set(job.id, engine.supervisorFor(task).restoreJob(task, status, record));
      restored += 1;
    } catch (error) {
      setAside.push({ job, reason: `cannot be restored: ${toError(error).message}`, at: now });
    }
  }
  if (removed.length > 0) await engine.storage.write(removed.map((id) => ({ type: 'delete', id })));
  if (setAside.length > 0) {
    await engine.storage.setAside(setAside);
    for (const { job, reason } of setAside) {
      engine.logger.warn({ jobId: job.id, task: job.name, reason }, 'stored job set aside');
    }
  }
  const report = { restored, setAside: setAside.length, removed: removed.length };
  if (stored.length > 0) engine.logger.info(report, 'restored jobs from storage');
  return report;
}

/** An overdue cron occurrence (not a pending retry) moves as its misfire policy says. */
function withMisfire(state: JobState, now: number, tz: string): JobState {
  const { record } = state;
  const { trigger } = record;
  if (state.status !== 'scheduled' || trigger.type !== 'cron' || record.attempt > 1) return state;
  if (record.execAt >= now) return state;
  const cron = Cron.fromSpec(trigger.cron);
  const execAt = applyMisfire(record.execAt, now, cron.misfirePolicy, (after) =>
    cron.nextAfter(after, tz),
  );
  return {
    status: state.status,
    record: { ...record, execAt, trigger: { ...trigger, occurrence: execAt } },
  };
}
