import { StorageError, show } from '../../errors.js';
import type { SetAsideJob, StorageWrite } from '../storage.js';
import { MAX_DATA_BYTES } from './record-arena.js';

/**
 * Throws a StorageError naming the first bad write of `batch` and what is wrong with it.
 * Called before anything of the batch is applied, so a bad write loses nothing.
 *
 * @example
 * checkWrites([{ type: 'put', job: { id: 'a', name: 'n', status: 's', dueAt: NaN, data } }]);
 * // throws: write 1 of 1 (job "a"): expected `dueAt` to be finite epoch ms, got NaN
 */
export function checkWrites(batch: readonly StorageWrite[]): void {
  if (!Array.isArray(batch)) {
    throw new StorageError(
      `Memory storage expected a batch (array) of writes, got ${show(batch)}.`,
    );
  }
  for (let i = 0; i < batch.length; i += 1) {
    const problem = problemOfWrite(batch[i]);
    if (problem !== undefined) {
      throw rejected('the batch, storing none of it', `write ${i + 1} of ${batch.length}`, problem);
    }
  }
}

/**
 * Throws a StorageError naming the first bad entry of `entries`, before any is set aside.
 *
 * @example
 * checkSetAside([{ job, reason: 'unreadable', at: Date.now() }]);
 */
export function checkSetAside(entries: readonly SetAsideJob[]): void {
  if (!Array.isArray(entries)) {
    throw new StorageError(`Memory storage expected an array to set aside, got ${show(entries)}.`);
  }
  for (let i = 0; i < entries.length; i += 1) {
    const problem = problemOfSetAside(entries[i]);
    if (problem !== undefined) {
      throw rejected('to set aside, moving none', `entry ${i + 1} of ${entries.length}`, problem);
    }
  }
}

function rejected(what: string, where: string, problem: string): StorageError {
  return new StorageError(`Memory storage refused ${what}: ${where}${problem}.`);
}

/** What is wrong with a write, as the rest of a sentence; undefined if nothing. */
function problemOfWrite(change: unknown): string | undefined {
  if (typeof change !== 'object' || change === null) return ` is ${show(change)}, not a write`;
  const { type, id, job } = change as { type?: unknown; id?: unknown; job?: unknown };
  if (type === 'put') return problemOfJob(job);
  if (type !== 'delete') return `: expected \`type\` to be 'put' or 'delete', got ${show(type)}`;
  return typeof id === 'string' ? undefined : `: expected \`id\` to be a string, got ${show(id)}`;
}

function problemOfSetAside(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return ` is ${show(entry)}, not an entry`;
  const { job, reason, at } = entry as Partial<Record<keyof SetAsideJob, unknown>>;
  const problem = problemOfJob(job);
  if (problem !== undefined) return problem;
  if (typeof reason !== 'string') {
    return `: expected \`reason\` to be a string, got ${show(reason)}`;
  }
  return isTime(at) ? undefined : `: expected \`at\` to be finite epoch ms, got ${show(at)}`;
}

function problemOfJob(job: unknown): string | undefined {
  if (typeof job !== 'object' || job === null) {
    return `: expected \`job\` to be a StoredJob, got ${show(job)}`;
  }
  const { id, name, status, dueAt, data } = job as Record<string, unknown>;
  // The common case first and without building strings: this runs for every put.
  if (
    typeof id === 'string' &&
    typeof name === 'string' &&
    typeof status === 'string' &&
    isTime(dueAt) &&
    isUint8Array(data) &&
    data.length <= MAX_DATA_BYTES
  ) {
    return undefined;
  }
  if (typeof id !== 'string') return `: expected \`job.id\` to be a string, got ${show(id)}`;
  const of = ` (job ${JSON.stringify(id)})`;
  if (typeof name !== 'string') return `${of}: expected \`name\` to be a string, got ${show(name)}`;
  if (typeof status !== 'string') {
    return `${of}: expected \`status\` to be a string, got ${show(status)}`;
  }
  if (!isTime(dueAt)) return `${of}: expected \`dueAt\` to be finite epoch ms, got ${show(dueAt)}`;
  if (!isUint8Array(data)) return `${of}: expected \`data\` to be a Uint8Array, got ${show(data)}`;
  return `${of}: its data is ${data.length} bytes, over the limit of ${MAX_DATA_BYTES}`;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

// A Uint8Array from another realm (vm, worker message) fails instanceof but is still one.
function isUint8Array(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}
