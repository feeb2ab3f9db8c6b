import { open, readFile, unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import { StorageError } from '../../errors.js';

/** A held lock on a storage file; `release` gives it up. */
export interface FileLock {
  /** The lock file, `<path>.lock`. */
  readonly path: string;
  release(): Promise<void>;
}

// A lock file holding our own pid cannot tell two instances of this process apart.
const openInThisProcess = new Set<string>();

/**
 * Takes the lock on the storage file at `dataPath` (absolute): refused while another
 * fileStorage of this process, or another live process, has it. A lock file left by a
 * process that died is taken over with a warning.
 *
 * @example
 * const lock = await acquireLock('/var/lib/app/jobs.db', logger);
 * try { ... } finally { await lock.release(); }
 */
export async function acquireLock(dataPath: string, logger: Logger): Promise<FileLock> {
  const lockPath = `${dataPath}.lock`;
  if (openInThisProcess.has(dataPath)) {
    throw new StorageError(
      `Cannot open file storage '${dataPath}': another fileStorage in this process holds ` +
        `its lock (${lockPath}). Close it first, or share one instance.`,
    );
  }
  openInThisProcess.add(dataPath);
  try {
    await createLockFile(lockPath, dataPath, logger);
  } catch (error) {
    openInThisProcess.delete(dataPath);
    throw error;
  }
  return {
    path: lockPath,
    async release() {
      try {
        await unlink(lockPath).catch(ignoreCode('ENOENT'));
      } finally {
        openInThisProcess.delete(dataPath);
      }
    },
  };
}

async function createLockFile(lockPath: string, dataPath: string, logger: Logger) {
  // Two rounds: the second follows the removal of a stale lock.
  for (let round = 0; round < 2; round++) {
    if (await tryCreate(lockPath)) return;
    const text = await readFile(lockPath, 'utf8').catch(ignoreCode('ENOENT'));
    if (text === undefined) continue; // released meanwhile: try again
    const pid = parsePid(text);
    const why = staleReason(pid);
    if (why === undefined) {
      throw new StorageError(
        `Cannot open file storage '${dataPath}': another process (pid ${pid}) holds it ` +
          `(lock file ${lockPath}). Stop that process first; delete the lock file only if ` +
          'no such process is using the file.',
      );
    }
    logger.warn(
      { lock: lockPath, pid },
      `file storage: taking over the stale lock ${lockPath}: ${why}`,
    );
    // Not atomic with the check above; a lock is a guard against mistakes, not a consensus.
    await unlink(lockPath).catch(ignoreCode('ENOENT'));
  }
  throw new StorageError(`Cannot open file storage '${dataPath}': could not take ${lockPath}.`);
}

/** Creates the lock file holding our pid; false when it exists already. */
async function tryCreate(lockPath: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx');
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    // An empty lock file would only be taken over later with a misleading warning.
    await handle.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw error;
  }
}

/** Why a lock held by `pid` can be taken over, or undefined when its holder still runs. */
function staleReason(pid: number | undefined): string | undefined {
  if (pid === undefined) return 'it names no process';
  // Our own pid, yet not in openInThisProcess: left by an earlier process that had the
  // same pid, as happens when a container restarts.
  if (pid === process.pid) return `it names this process (pid ${pid}), which never took it`;
  return isAlive(pid) ? undefined : `its process (pid ${pid}) is not running`;
}

/** The pid in a lock file, or undefined for a damaged one (a crash while creating it). */
function parsePid(text: string): number | undefined {
  const trimmed = text.trim();
  // Never 0 or negative: process.kill would signal a whole process group.
  return /^[1-9]\d*$/.test(trimmed) ? Number(trimmed) : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return codeOf(error) === 'EPERM';
  }
}

/**
 * The `code` of a Node.js system error (`ENOENT`, `EEXIST`...), if it has one.
 *
 * @example
 * await unlink(tmp).catch((e: unknown) => { if (codeOf(e) !== 'ENOENT') throw e; });
 */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function ignoreCode(code: string) {
  return (error: unknown): undefined => {
    if (codeOf(error) === code) return undefined;
    throw error;
  };
}
