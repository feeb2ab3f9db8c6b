import { Packr } from 'msgpackr';
import { toError } from '../../errors.js';
import type { SetAsideJob, StoredJob } from '../storage.js';

/** Version of the packed record layout in the jobs and set-aside hashes. */
const RECORD_VERSION = 1;

// Plain msgpack maps (no shared record structures): any process can read any record, and
// so can Redis' Lua cmsgpack should a script ever need to.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, useToJSON: false });

interface JobRecord {
  readonly v: number;
  readonly name: string;
  readonly status: string;
  readonly dueAt: number;
  readonly data: Uint8Array;
}

interface SetAsideRecord extends JobRecord {
  readonly reason: string;
  readonly at: number;
}

/**
 * Packs what the jobs hash keeps for a job: name, status, dueAt, data and a format version
 * (the id is the hash field, so it is not repeated).
 *
 * @example
 * const bytes = packJobRecord({ id: 'a', name: 't', status: 'scheduled', dueAt: 0, data });
 */
export function packJobRecord(job: StoredJob): Uint8Array {
  return packr.pack(toRecord(job));
}

/**
 * Packs what the set-aside hash keeps: the job's record plus why and when.
 *
 * @example
 * const bytes = packSetAsideRecord({ job, reason: "task 'a' is not registered", at: Date.now() });
 */
export function packSetAsideRecord({ job, reason, at }: SetAsideJob): Uint8Array {
  return packr.pack({ ...toRecord(job), reason, at } satisfies SetAsideRecord);
}

/**
 * Unpacks a jobs-hash value. A record that cannot be read comes back with name `''`,
 * status `''`, dueAt 0 and the raw bytes as data, together with the error, so the caller
 * can log it and the engine sets it aside instead of failing the whole load.
 *
 * @example
 * const { job, error } = unpackJobRecord('a', bytes);
 */
export function unpackJobRecord(id: string, bytes: Uint8Array): { job: StoredJob; error?: Error } {
  try {
    return { job: toStoredJob(id, readRecord(bytes)) };
  } catch (error) {
    return { job: unreadableJob(id, bytes), error: toError(error) };
  }
}

/**
 * Unpacks a set-aside-hash value; one that cannot be read keeps its raw bytes and says why
 * in `reason`.
 *
 * @example
 * const { job, reason, at } = unpackSetAsideRecord('a', bytes);
 */
export function unpackSetAsideRecord(id: string, bytes: Uint8Array): SetAsideJob {
  try {
    const record: Partial<SetAsideRecord> = readRecord(bytes);
    return {
      job: toStoredJob(id, record as JobRecord),
      reason: typeof record.reason === 'string' ? record.reason : '',
      at: typeof record.at === 'number' ? record.at : 0,
    };
  } catch (error) {
    const reason = `set-aside record cannot be unpacked: ${toError(error).message}`;
    return { job: unreadableJob(id, bytes), reason, at: 0 };
  }
}

function toRecord(job: StoredJob): JobRecord {
  const { name, status, dueAt, data } = job;
  return { v: RECORD_VERSION, name, status, dueAt, data };
}

function readRecord(bytes: Uint8Array): JobRecord {
  const record = packr.unpack(bytes) as Partial<JobRecord> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    record.v !== RECORD_VERSION ||
    typeof record.name !== 'string' ||
    typeof record.status !== 'string' ||
    typeof record.dueAt !== 'number' ||
    !(record.data instanceof Uint8Array)
  ) {
    throw new Error(`not a jobify record of format ${RECORD_VERSION}`);
  }
  return record as JobRecord;
}

function toStoredJob(id: string, { name, status, dueAt, data }: JobRecord): StoredJob {
  // A copy: the unpacked bytes are a view into the whole HSCAN reply.
  return { id, name, status, dueAt, data: new Uint8Array(data) };
}

function unreadableJob(id: string, bytes: Uint8Array): StoredJob {
  return { id, name: '', status: '', dueAt: 0, data: new Uint8Array(bytes) };
}
