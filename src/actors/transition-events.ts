import type { EventBus, JobEventBase } from '../events.js';
import type { JobEvent, JobStatus } from './job-machine.js';
import type { JobRuntime, Outcome } from './job-runtime.js';

interface TransitionInfo {
  readonly from: JobStatus;
  readonly event: JobEvent;
  /** How the run ended, when the transition ends one. */
  readonly run: Outcome | undefined;
  readonly retrying: boolean;
  /** Clock time of the transition, epoch ms. */
  readonly now: number;
}

/** `job.started`: also sent when a run interrupted by a crash or stop starts again. */
export function emitStarted(bus: EventBus, runtime: JobRuntime, now: number): void {
  if (!bus.wants('job.started')) return;
  bus.emit({ ...baseOf(runtime, now), type: 'job.started', recovered: runtime.recovered });
}

/** The fields every event of this transition shares. */
function baseOf(runtime: JobRuntime, now: number): JobEventBase {
  return {
    jobId: runtime.id,
    name: runtime.record.name,
    status: runtime.status,
    at: new Date(now),
    attempt: runtime.record.attempt,
  };
}

/** The outcome event of a run that ended, if any: succeeded, failed, timeout or retrying. */
function emitRunOutcome(bus: EventBus, runtime: JobRuntime, info: TransitionInfo): void {
  const { run, retrying, now } = info;
  if (!run || run.status === 'cancelled' || 'stopped' in run) return;
  if ('value' in run) {
    if (bus.wants('job.succeeded')) {
      bus.emit({ ...baseOf(runtime, now), type: 'job.succeeded', result: run.value });
    }
    return;
  }
  const { error } = run;
  if (retrying) {
    if (bus.wants('job.retrying')) {
      const execAt = new Date(runtime.record.execAt);
      bus.emit({ ...baseOf(runtime, now), type: 'job.retrying', error, execAt });
    }
  } else if (run.status === 'timeout') {
    if (bus.wants('job.timeout')) bus.emit({ ...baseOf(runtime, now), type: 'job.timeout', error });
  } else if (bus.wants('job.failed')) {
    bus.emit({ ...baseOf(runtime, now), type: 'job.failed', error });
  }
  if (runtime.status === 'permanently_failed' && bus.wants('job.permanently_failed')) {
    bus.emit({ ...baseOf(runtime, now), type: 'job.permanently_failed', error });
  }
}

/**
 * Turns one job transition into the events listeners subscribe to: the run's outcome
 * (a cron run that fails reports `job.failed` even though the job goes back to
 * `scheduled`), then the new status, then `job.transition`. Events nobody listens to are
 * never built (and the supervisor calls this only when someone listens at all).
 */
export function emitTransition(bus: EventBus, runtime: JobRuntime, info: TransitionInfo): void {
  emitRunOutcome(bus, runtime, info);
  const to = runtime.status;
  const { from, retrying, now } = info;
  if (to === 'scheduled' && !retrying) {
    if (bus.wants('job.scheduled')) {
      const execAt = new Date(runtime.record.execAt);
      bus.emit({ ...baseOf(runtime, now), type: 'job.scheduled', execAt });
    }
  } else if (to === 'running' && from !== 'running') {
    emitStarted(bus, runtime, now);
  } else if (to === 'cancelled' && bus.wants('job.cancelled')) {
    bus.emit({ ...baseOf(runtime, now), type: 'job.cancelled' });
  }
  if (from !== to && bus.wants('job.transition')) {
    bus.emit({ ...baseOf(runtime, now), type: 'job.transition', from, to });
  }
}
