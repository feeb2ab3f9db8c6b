import { Packr } from 'msgpackr';
import { toError } from '../../errors.js';
import type { SetAsideJob, StoredJob } from '../storage.js';

/**
 * Version of the record layout written to the jobs and set-aside hashes: a msgpack array
 * `[2, name, status, dueAt, data]`, a set-aside record adding `reason, at`. Version 1,
 * still read, was a map `{ v: 1, name, status, dueAt, data }` (plus `reason`, `at`) that
 * spelled every key out in every record.
 */
const RECORD_VERSION = 2;
const MAP_RECORD_VERSION = 1;

/**
 * How version 2 stores a status: `scheduled` as 0, `running` as 1 (9 bytes fewer, so a
 * record often fits a smaller Redis allocation); any other status as its string.
 */
const STATUS_CODES: readonly string[] = ['scheduled', 'running'];

// Plain msgpack (no shared record structures): any process can read any record, and so can
// Redis' Lua cmsgpack should a script ever need to.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, useToJSON: false });

interface SetAsideRecord {
  readonly name: string;
  readonly status: string;
  readonly dueAt: number;
  readonly data: Uint8Array;
  readonly reason: string;
  readonly at: number;
}

/**
 * Packs what the jobs hash keeps for a job: `[2, name, status, dueAt, data]` (the id is the
 * hash field, so it is not repeated).
 *
 * @example
 * const bytes = packJobRecord({ id: 'a', name: 't', status: 'scheduled', dueAt: 0, data });
 */
export function packJobRecord(job: StoredJob): Uint8Array {
  return packr.pack(toArray(job));
}

/**
 * Packs what the set-aside hash keeps: `[2, name, status, dueAt, data, reason, at]`.
 *
 * @example
 * const bytes = packSetAsideRecord({ job, reason: "task 'a' is not registered", at: Date.now() });
 */
export function packSetAsideRecord({ job, reason, at }: SetAsideJob): Uint8Array {
  return packr.pack([...toArray(job), reason, at]);
}

/**
 * Unpacks a jobs-hash value of either format version. The returned `data` is a view into
 * `bytes`, not a copy: cheap for `load()`, whose caller decodes it right away, but kept
 * longer it keeps alive the whole buffer `bytes` belongs to.
 *
 * A record that cannot be read comes back with name `''`, status `''`, dueAt 0 and a copy
 * of the raw bytes as data, together with the error, so the caller can log it and the
 * engine sets it aside instead of failing the whole load.
 *
 * @example
 * const { job, error } = unpackJobRecord('a', bytes);
 */
export function unpackJobRecord(id: string, bytes: Uint8Array): { job: StoredJob; error?: Error } {
  try {
    const { name, status, dueAt, data } = readRecord(bytes);
    return { job: { id, name, status, dueAt, data } };
  } catch (error) {
    return { job: unreadableJob(id, bytes), error: toError(error) };
  }
}

/**
 * Unpacks a set-aside-hash value of either format version, with its own copy of the data;
 * one that cannot be read keeps its raw bytes and says why in `reason`.
 *
 * @example
 * const { job, reason, at } = unpackSetAsideRecord('a', bytes);
 */
export function unpackSetAsideRecord(id: string, bytes: Uint8Array): SetAsideJob {
  try {
    const { name, status, dueAt, data, reason, at } = readRecord(bytes);
    return { job: { id, name, status, dueAt, data: new Uint8Array(data) }, reason, at };
  } catch (error) {
    const reason = `set-aside record cannot be unpacked: ${toError(error).message}`;
    return { job: unreadableJob(id, bytes), reason, at: 0 };
  }
}

function toArray({ name, status, dueAt, data }: StoredJob): unknown[] {
  const code = STATUS_CODES.indexOf(status);
  return [RECORD_VERSION, name, code === -1 ? status : code, dueAt, data];
}

function unreadableJob(id: string, bytes: Uint8Array): StoredJob {
  return { id, name: '', status: '', dueAt: 0, data: new Uint8Array(bytes) };
}

/** A record of either version, through msgpackr; `reason` and `at` are `''` and 0 if absent. */
function readRecord(bytes: Uint8Array): SetAsideRecord {
  const unpacked: unknown = packr.unpack(bytes);
  const record = Array.isArray(unpacked) ? fromArray(unpacked) : fromMap(unpacked);
  if (
    !record ||
    typeof record.name !== 'string' ||
    typeof record.status !== 'string' ||
    typeof record.dueAt !== 'number' ||
    !(record.data instanceof Uint8Array)
  ) {
    throw new Error(`not a jobify record of format ${MAP_RECORD_VERSION} or ${RECORD_VERSION}`);
  }
  return record as SetAsideRecord;
}

type Unchecked<T> = { readonly [K in keyof T]: unknown };

function fromArray(fields: readonly unknown[]): Unchecked<SetAsideRecord> | undefined {
  const [version, name, status, dueAt, data, reason, at] = fields;
  if (version !== RECORD_VERSION) return undefined;
  const decoded = typeof status === 'number' ? STATUS_CODES[status] : status;
  return { name, status: decoded, dueAt, data, ...extras(reason, at) };
}

function fromMap(unpacked: unknown): Unchecked<SetAsideRecord> | undefined {
  if (typeof unpacked !== 'object' || unpacked === null) return undefined;
  const { v, name, status, dueAt, data, reason, at } = unpacked as Record<string, unknown>;
  if (v !== MAP_RECORD_VERSION) return undefined;
  return { name, status, dueAt, data, ...extras(reason, at) };
}

function extras(reason: unknown, at: unknown): { reason: string; at: number } {
  return { reason: typeof reason === 'string' ? reason : '', at: typeof at === 'number' ? at : 0 };
}
