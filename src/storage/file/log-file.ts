import { type FileHandle, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import {
  checkHeader,
  encodeFrames,
  encodeHeader,
  HEADER_SIZE,
  type LogRecord,
  scanFrames,
} from './frames.js';
import { codeOf } from './lock.js';

/**
 * Reads every valid record of the log at `path` (none when it does not exist). A damaged
 * tail, what a crash in the middle of an append leaves, is cut off the file with a
 * warning; a header this version cannot read throws, leaving the file untouched.
 *
 * @example
 * const records = await recoverLog('/var/lib/app/jobs.db', logger);
 */
export async function recoverLog(path: string, logger: Logger): Promise<LogRecord[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return [];
    throw error;
  }
  if (bytes.length === 0) return [];
  checkHeader(bytes, path);
  const { records, end, problem } = scanFrames(bytes, HEADER_SIZE);
  if (end < bytes.length) {
    const droppedBytes = bytes.length - end;
    logger.warn(
      { path, offset: end, droppedBytes, problem, keptRecords: records.length },
      `file storage: cut off a damaged tail of ${droppedBytes} bytes at offset ${end} (${problem ?? 'unknown'})`,
    );
    await withHandle(path, 'r+', async (handle) => {
      await handle.truncate(end);
      await handle.sync();
    });
  }
  return records;
}

/**
 * The open log file: appends at its tracked end and rewrites it whole when compacting.
 *
 * @example
 * const log = await AppendLog.rewrite(path, records);
 * await log.append([{ op: 'delete', id: 'a' }], { sync: true });
 */
export class AppendLog {
  readonly path: string;
  /** Frames in the file, live or not: what compaction would shrink. */
  frames: number;
  // Undefined after a failed reopen; the next append tries again.
  #handle: FileHandle | undefined;
  #end: number;

  private constructor(path: string, handle: FileHandle, end: number, frames: number) {
    this.path = path;
    this.#handle = handle;
    this.#end = end;
    this.frames = frames;
  }

  /** Replaces the file at `path` with a fresh log of `records` and opens it. */
  static async rewrite(path: string, records: readonly LogRecord[]): Promise<AppendLog> {
    const size = await replaceFile(path, records);
    return new AppendLog(path, await open(path, 'r+'), size, records.length);
  }

  /** Appends the records' frames in one write, then fdatasyncs if asked. */
  async append(records: readonly LogRecord[], options: { sync: boolean }): Promise<void> {
    const bytes = encodeFrames(records);
    this.#handle ??= await open(this.path, 'r+');
    const handle = this.#handle;
    try {
      await writeAll(handle, bytes, this.#end);
      // fdatasync is enough for appends: it also flushes the new file size.
      if (options.sync) await handle.datasync();
    } catch (error) {
      // The caller retries the batch; a half-written one must not be read back. Should the
      // truncate fail too, the next append overwrites from the same offset, and what sticks
      // out past it is cut off as a damaged tail on the next open.
      await handle.truncate(this.#end).catch(() => undefined);
      throw error;
    }
    this.#end += bytes.length;
    this.frames += records.length;
  }

  /** Rewrites the file with only `records`, atomically (temp file, fsync, rename). */
  async compact(records: readonly LogRecord[]): Promise<void> {
    const size = await replaceFile(this.path, records);
    // The path now names the new file; the old handle points at the replaced one.
    const old = this.#handle;
    this.#handle = undefined;
    this.#end = size;
    this.frames = records.length;
    await old?.close();
    this.#handle = await open(this.path, 'r+');
  }

  /** Forces what was appended to disk, whatever the fsync policy of appends. */
  async flush(): Promise<void> {
    await this.#handle?.datasync();
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}

/** One write call as a rule; the loop only covers a short write. */
async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const length = bytes.length - written;
    const { bytesWritten } = await handle.write(bytes, written, length, position + written);
    written += bytesWritten;
  }
}

/** Writes a new log to `<path>.tmp`, fsyncs it, renames it over `path`, fsyncs the directory. */
async function replaceFile(path: string, records: readonly LogRecord[]): Promise<number> {
  const bytes = Buffer.concat([encodeHeader(), encodeFrames(records)]);
  const tmp = `${path}.tmp`;
  await withHandle(tmp, 'w', async (handle) => {
    await handle.writeFile(bytes);
    // Even with fsync 'never': a rename of unsynced data can leave an empty file after a
    // crash, losing every job rather than the last few writes.
    await handle.sync();
  });
  await rename(tmp, path);
  await syncDirectory(dirname(path));
  return bytes.length;
}

/** Makes a rename durable. Some platforms cannot fsync a directory; there it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    await withHandle(dir, 'r', (handle) => handle.sync());
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(codeOf(error) ?? '')) throw error;
  }
}

async function withHandle<T>(
  path: string,
  flags: string,
  use: (handle: FileHandle) => Promise<T>,
): Promise<T> {
  const handle = await open(path, flags);
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}
