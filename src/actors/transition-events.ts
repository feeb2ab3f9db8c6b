import type { EventBus, JobEventBase, JobifyEvent } from '../events.js';
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
  const { record } = runtime;
  bus.emit({
    type: 'job.started',
    jobId: runtime.id,
    name: record.name,
    status: runtime.status,
    at: new Date(now),
    attempt: record.attempt,
    recovered: runtime.recovered,
  });
}

/**
 * Turns one job transition into the events listeners subscribe to: the run's outcome
 * (a cron run that fails reports `job.failed` even though the job goes back to
 * `scheduled`), then the new status, then `job.transition`. Events nobody listens to are
 * never built.
 */
export function emitTransition(bus: EventBus, runtime: JobRuntime, info: TransitionInfo): void {
  const to = runtime.status;
  const { from, run, retrying, now } = info;
  const base = (): JobEventBase => ({
    jobId: runtime.id,
    name: runtime.record.name,
    status: to,
    at: new Date(now),
    attempt: runtime.record.attempt,
  });
  const emit = (type: JobifyEvent['type'], build: () => JobifyEvent) => {
    if (bus.wants(type)) bus.emit(build());
  };
  const execAt = () => new Date(runtime.record.execAt);

  if (retrying && run && 'error' in run) {
    emit('job.retrying', () => ({
      ...base(),
      type: 'job.retrying',
      error: run.error,
      execAt: execAt(),
    }));
  } else if (run?.status === 'success') {
    emit('job.succeeded', () => ({ ...base(), type: 'job.succeeded', result: run.value }));
  } else if (run && 'error' in run) {
    const error = run.error;
    if (run.status === 'timeout')
      emit('job.timeout', () => ({ ...base(), type: 'job.timeout', error }));
    else emit('job.failed', () => ({ ...base(), type: 'job.failed', error }));
  }
  if (to === 'permanently_failed' && run && 'error' in run) {
    const error = run.error;
    emit('job.permanently_failed', () => ({ ...base(), type: 'job.permanently_failed', error }));
  }
  if (to === 'scheduled' && !retrying) {
    emit('job.scheduled', () => ({ ...base(), type: 'job.scheduled', execAt: execAt() }));
  } else if (to === 'running' && from !== 'running') {
    emitStarted(bus, runtime, now);
  } else if (to === 'cancelled') {
    emit('job.cancelled', () => ({ ...base(), type: 'job.cancelled' }));
  }
  if (from !== to) {
    emit('job.transition', () => ({ ...base(), type: 'job.transition', from, to }));
  }
}
