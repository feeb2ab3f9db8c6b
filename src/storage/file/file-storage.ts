import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { invalidOption, StorageError, toError } from '../../errors.js';
import type { SetAsideJob, Storage, StorageContext, StoredJob, StorageWrite } from '../storage.js';
import type { LogRecord } from './frames.js';
import { acquireLock, type FileLock } from './lock.js';
import { AppendLog, recoverLog } from './log-file.js';

/** Options of {@link fileStorage}. */
export interface FileStorageOptions {
  /**
   * When written batches reach the disk.
   *
   * - `'always'`: every `write` (and `setAside`) batch is fdatasync'ed before it resolves,
   *   so a job the engine has persisted survives a power cut or a kernel crash. The cost
   *   is one disk flush per batch: from well under a millisecond on an NVMe drive to
   *   10 ms or more on a spinning disk or network volume. The engine batches the writes of
   *   one tick, so that is a flush per tick, not per job.
   * - `'never'`: batches are handed to the OS, which writes them back when it likes (within
   *   seconds). Survives a crash of the process, but a power cut or kernel crash can lose
   *   the last writes. `close()` and compactions still fsync.
   *
   * @default 'always'
   */
  readonly fsync?: 'always' | 'never';
}

const DEFAULTS = { fsync: 'always' } satisfies Required<FileStorageOptions>;

/** Dead records tolerated before a compaction during operation (also: dead > live). */
const COMPACT_MIN_DEAD = 1000;

interface Session {
  readonly lock: FileLock;
  readonly log: AppendLog;
  readonly logger: Logger;
  readonly live: Map<string, StoredJob>;
  readonly setAside: SetAsideJob[];
}

/**
 * Keeps jobs in a file: durability without a server, for a single process. Every change
 * is appended to a log of checksummed msgpack frames (`fsync` says when they reach the
 * disk); on `open` the log is read back, a damaged tail left by a crash is cut off with a
 * warning (never misread), and the file is compacted to the live records. It is also
 * compacted while running once dead records outnumber live ones (and exceed 1000).
 *
 * A `<path>.lock` file holding the pid keeps a second process (or a second instance in
 * this one) from opening the same file; a lock left by a dead process is taken over.
 * Parent directories are created as needed.
 *
 * @example
 * const app = createJobify({ storage: fileStorage('./data/jobs.db') });
 * // Faster, but a power cut can lose the last writes:
 * const relaxed = fileStorage('./data/jobs.db', { fsync: 'never' });
 */
export function fileStorage(path: string, options: FileStorageOptions = {}): Storage {
  if (typeof path !== 'string' || path.trim() === '') {
    throw invalidOption('path', 'a non-empty file path', path);
  }
  const fsync = options.fsync ?? DEFAULTS.fsync;
  if (fsync !== 'always' && fsync !== 'never') {
    throw invalidOption('fsync', "'always' or 'never'", fsync);
  }
  return new FileStorage(resolve(path), fsync === 'always');
}

class FileStorage implements Storage {
  readonly #path: string;
  readonly #sync: boolean;
  #session: Session | undefined;
  // Each operation starts once the previous one settled: appends never interleave, and
  // close() runs after everything queued before it.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, sync: boolean) {
    this.#path = path;
    this.#sync = sync;
  }

  open(context: StorageContext): Promise<void> {
    return this.#enqueue('open', () => this.#open(context.logger));
  }

  close(): Promise<void> {
    return this.#enqueue('close', () => this.#close());
  }

  load(): Promise<StoredJob[]> {
    return this.#enqueue('load', () => Promise.resolve([...this.#require('load').live.values()]));
  }

  write(batch: readonly StorageWrite[]): Promise<void> {
    return this.#enqueue('write', async () => {
      const session = this.#require('write');
      if (batch.length === 0) return;
      await session.log.append(batch.map(toLogRecord), { sync: this.#sync });
      for (const change of batch) {
        if (change.type === 'put') session.live.set(change.job.id, change.job);
        else session.live.delete(change.id);
      }
      await this.#compactIfWasteful(session);
    });
  }

  setAside(jobs: readonly SetAsideJob[]): Promise<void> {
    return this.#enqueue('setAside', async () => {
      const session = this.#require('setAside');
      if (jobs.length === 0) return;
      const records = jobs.map((entry): LogRecord => ({ op: 'setAside', entry }));
      await session.log.append(records, { sync: this.#sync });
      for (const entry of jobs) {
        session.live.delete(entry.job.id);
        session.setAside.push(entry);
      }
      await this.#compactIfWasteful(session);
    });
  }

  listSetAside(): Promise<SetAsideJob[]> {
    return this.#enqueue('listSetAside', () =>
      Promise.resolve([...this.#require('listSetAside').setAside]),
    );
  }

  async #open(logger: Logger): Promise<void> {
    if (this.#session) throw new StorageError(`File storage '${this.#path}' is already open.`);
    await mkdir(dirname(this.#path), { recursive: true });
    const lock = await acquireLock(this.#path, logger);
    try {
      const { live, setAside } = replay(await recoverLog(this.#path, logger));
      const log = await AppendLog.rewrite(this.#path, liveRecords(live, setAside));
      this.#session = { lock, log, logger, live, setAside };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async #close(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    // Released in reverse order of acquisition: the file, then the lock.
    try {
      await session.log.flush();
    } finally {
      try {
        await session.log.close();
      } finally {
        await session.lock.release();
      }
    }
  }

  async #compactIfWasteful(session: Session): Promise<void> {
    const { log, live, setAside, logger } = session;
    const kept = live.size + setAside.length;
    const dead = log.frames - kept;
    if (dead <= kept || dead <= COMPACT_MIN_DEAD) return;
    try {
      await log.compact(liveRecords(live, setAside));
    } catch (error) {
      // The batch itself is on disk; a log that keeps its dead records is only bigger.
      logger.warn({ err: toError(error), path: this.#path }, 'file storage: compaction failed');
    }
  }

  #require(action: string): Session {
    if (this.#session) return this.#session;
    throw new StorageError(
      `File storage '${this.#path}' is not open: call open() before ${action}().`,
    );
  }

  #enqueue<T>(action: string, run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run).catch((error: unknown) => {
      if (error instanceof StorageError) throw error;
      const message = `File storage '${this.#path}' failed to ${action}: ${toError(error).message}`;
      throw new StorageError(message, { cause: error });
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

function toLogRecord(change: StorageWrite): LogRecord {
  return change.type === 'put' ? { op: 'put', job: change.job } : { op: 'delete', id: change.id };
}

function replay(records: readonly LogRecord[]) {
  const live = new Map<string, StoredJob>();
  const setAside: SetAsideJob[] = [];
  for (const record of records) {
    if (record.op === 'put') live.set(record.job.id, record.job);
    else if (record.op === 'delete') live.delete(record.id);
    else {
      live.delete(record.entry.job.id);
      setAside.push(record.entry);
    }
  }
  return { live, setAside };
}

/** What a compacted log holds, in an order that replays to the same state. */
function liveRecords(live: Map<string, StoredJob>, setAside: readonly SetAsideJob[]): LogRecord[] {
  // Set-aside entries first: replaying one deletes its id, which must not hide a later put.
  return [
    ...setAside.map((entry): LogRecord => ({ op: 'setAside', entry })),
    ...[...live.values()].map((job): LogRecord => ({ op: 'put', job })),
  ];
}
