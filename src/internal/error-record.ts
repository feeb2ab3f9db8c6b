import type { ErrorRecord } from '../actors/job-machine.js';

/** An Error as plain data, so it can live in a snapshot. */
export function toErrorRecord(error: Error): ErrorRecord {
  return error.stack === undefined
    ? { name: error.name, message: error.message }
    : { name: error.name, message: error.message, stack: error.stack };
}

/** An Error rebuilt from a snapshot: the class is not known any more, the name is kept. */
export function reviveError(record: ErrorRecord): Error {
  const error = new Error(record.message);
  error.name = record.name;
  if (record.stack !== undefined) error.stack = record.stack;
  return error;
}
