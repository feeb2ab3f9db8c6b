import {
  type ErrorRecord,
  type JobRecord,
  type JobStatus,
  NO_ARGS,
  type ScheduleRequest,
  type Trigger,
} from '../actors/job-machine.js';
import type { JobState } from '../actors/job-transition.js';
import type { CronSpec } from '../scheduling/cron.js';
import type { Serializer } from '../serialization/serializer.js';
import type { StoredJob } from './storage.js';

/**
 * Version of `StoredJob.data`. Format 2 is a short array of what the indexed fields of
 * a StoredJob do not already hold:
 *
 *   [2, args, attempt, trigger, lastError?, next?]
 *
 * with the job's id, task name, status and due time (`execAt`) taken from the StoredJob.
 * A trigger is `0` (push), `[1, at]` or `[2, cronSpec, occurrence, runCount,
 * failureCount]`; `next` is `[args, trigger, execAt]`. Trailing empty fields are left
 * out. Format 1 was the job actor's whole persisted XState snapshot in an envelope
 * (`{ v: 1, snapshot }`), ~250 bytes for a job without arguments where format 2 takes ~15;
 * it is still read.
 */
export const DATA_FORMAT = 2;
const LEGACY_FORMAT = 1;

type WireTrigger = 0 | [1, number] | [2, CronSpec, number, number, number];
type WireNext = [readonly unknown[], WireTrigger, number];

function toWireTrigger(trigger: Trigger): WireTrigger {
  switch (trigger.type) {
    case 'push':
      return 0;
    case 'at':
      return [1, trigger.at];
    case 'cron':
      return [2, trigger.cron, trigger.occurrence, trigger.runCount, trigger.failureCount];
  }
}

/** The push trigger has no fields, so every push job shares this one object. */
const PUSH: Trigger = Object.freeze({ type: 'push' });

function fromWireTrigger(wire: unknown): Trigger {
  if (wire === 0) return PUSH;
  if (Array.isArray(wire) && wire[0] === 1 && isTime(wire[1])) return { type: 'at', at: wire[1] };
  if (Array.isArray(wire) && wire[0] === 2 && isCronSpec(wire[1])) {
    const [, cron, occurrence, runCount, failureCount] = wire as unknown[];
    if (isTime(occurrence) && isCount(runCount) && isCount(failureCount)) {
      return { type: 'cron', cron: cron as CronSpec, occurrence, runCount, failureCount };
    }
  }
  throw new Error(`the trigger ${JSON.stringify(wire)} is not one jobify wrote`);
}

/**
 * What storage keeps of a job in `state`: its indexed fields and the rest as `data`.
 *
 * @example
 * const stored = encodeJob({ status: 'scheduled', record }, msgpackSerializer());
 */
export function encodeJob(state: JobState, serializer: Serializer): StoredJob {
  const { record } = state;
  const wire: unknown[] = [DATA_FORMAT, record.args, record.attempt, toWireTrigger(record.trigger)];
  const { lastError, next } = record;
  if (lastError !== undefined || next !== undefined) wire.push(lastError ?? null);
  if (next !== undefined) {
    wire.push([next.args, toWireTrigger(next.trigger), next.execAt] satisfies WireNext);
  }
  return {
    id: record.id,
    name: record.name,
    status: state.status,
    dueAt: record.execAt,
    data: serializer.encode(wire),
  };
}

/**
 * The state of a stored job (format 2, or the format-1 XState snapshot); throws an Error
 * that says what is wrong with a record jobify cannot resume.
 *
 * @example
 * const { status, record } = decodeJob(stored, msgpackSerializer());
 */
export function decodeJob(job: StoredJob, serializer: Serializer): JobState {
  const wire = serializer.decode(job.data);
  if (!Array.isArray(wire)) return decodeLegacy(job, wire);
  const [format, args, attempt, trigger, lastError, next] = wire as unknown[];
  if (format !== DATA_FORMAT) {
    throw new Error(`unknown record format ${String(format)} (expected ${DATA_FORMAT})`);
  }
  const status = toLiveStatus(job.status);
  if (!Array.isArray(args)) throw new Error('the arguments are not an array');
  if (!isCount(attempt) || attempt < 1)
    throw new Error(`the attempt ${String(attempt)} is not valid`);
  if (!isTime(job.dueAt)) throw new Error(`the due time ${String(job.dueAt)} is not valid`);
  const record: JobRecord = {
    id: job.id,
    name: job.name,
    args: args.length === 0 ? NO_ARGS : args,
    trigger: fromWireTrigger(trigger),
    execAt: job.dueAt,
    attempt,
    ...(lastError === undefined || lastError === null
      ? {}
      : { lastError: toErrorRecord(lastError) }),
    ...(next === undefined ? {} : { next: toScheduleRequest(next) }),
  };
  return { status, record };
}

function decodeLegacy(job: StoredJob, wire: unknown): JobState {
  const envelope = wire as { v?: unknown; snapshot?: unknown } | null | undefined;
  if (envelope?.v !== LEGACY_FORMAT) {
    throw new Error(`unknown record format ${String(envelope?.v)} (expected ${DATA_FORMAT})`);
  }
  const snapshot = envelope.snapshot as
    { status?: unknown; value?: unknown; context?: Partial<JobRecord> } | undefined;
  const context = snapshot?.context;
  if (snapshot?.status !== 'active' || context?.id !== job.id || !Array.isArray(context.args)) {
    throw new Error('the snapshot is not a live job');
  }
  return { status: toLiveStatus(snapshot.value), record: context as JobRecord };
}

function toLiveStatus(value: unknown): JobStatus {
  if (value === 'scheduled' || value === 'running') return value;
  throw new Error(`the status ${String(value)} is not a live job's`);
}

function toErrorRecord(value: unknown): ErrorRecord {
  const { name, message, stack } = (value ?? {}) as Partial<Record<keyof ErrorRecord, unknown>>;
  if (typeof name !== 'string' || typeof message !== 'string') {
    throw new Error('the last error is not an error record');
  }
  return typeof stack === 'string' ? { name, message, stack } : { name, message };
}

function toScheduleRequest(value: unknown): ScheduleRequest {
  const [args, trigger, execAt] = Array.isArray(value) ? (value as unknown[]) : [];
  if (!Array.isArray(args) || !isTime(execAt))
    throw new Error('the pending replacement is not valid');
  return { args, trigger: fromWireTrigger(trigger), execAt };
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isCronSpec(value: unknown): value is CronSpec {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { expression?: unknown }).expression === 'string'
  );
}
