import { readFileSync } from 'node:fs';
import type { StoredJob } from '../../src/storage/storage.js';

/**
 * Records written by the format-1 engine (each job's XState snapshot in an envelope), saved
 * from a real app: a delayed job with a Map and a Date argument, a pending retry (attempt
 * 2, last error), a cron job, and a job that was running.
 */
export interface FormatOneRecord {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly dueAt: number;
  /** base64 of StoredJob.data */
  readonly data: string;
  /** base64 of the Redis jobs-hash value of format 1 */
  readonly redis: string;
}

export const FORMAT_ONE: readonly FormatOneRecord[] = JSON.parse(
  readFileSync(new URL('../fixtures/format-1-records.json', import.meta.url), 'utf8'),
) as FormatOneRecord[];

/** A format-1 record as a StoredJob. */
export function formatOneJob(record: FormatOneRecord): StoredJob {
  const { id, name, status, dueAt } = record;
  return { id, name, status, dueAt, data: Buffer.from(record.data, 'base64') };
}
