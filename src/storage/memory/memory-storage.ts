import type { SetAsideJob, Storage, StoredJob, StorageWrite } from '../storage.js';
import { checkSetAside, checkWrites } from './check-writes.js';
import { RecordStore } from './record-store.js';

/**
 * Keeps jobs in this process's memory: the default, fast and dependency-free. Jobs survive
 * `stop()` and a new `start()` (of this app, or another app given the same instance), but
 * not the process. Records are packed off the V8 heap (see {@link RecordStore}), and
 * everything written or read is a copy: neither side can change the other's bytes later.
 *
 * @example
 * const storage = memoryStorage();
 * const app = createJobify({ storage });
 */
export function memoryStorage(): Storage {
  const store = new RecordStore();
  // Set-aside records are rare and kept as plain objects.
  const setAside: SetAsideJob[] = [];
  return {
    open: () => Promise.resolve(),
    close: () => Promise.resolve(),
    load: () => attempt(() => store.load()),
    write: (batch: readonly StorageWrite[]) =>
      attempt(() => {
        checkWrites(batch);
        store.apply(batch);
      }),
    setAside: (entries: readonly SetAsideJob[]) =>
      attempt(() => {
        checkSetAside(entries);
        for (const entry of entries) {
          store.delete(entry.job.id);
          setAside.push(copyEntry(entry));
        }
      }),
    listSetAside: () => attempt(() => setAside.map(copyEntry)),
  };
}

/** Runs `work` now, turning a throw into a rejection as an async backend's would be. */
function attempt<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function copyEntry({ job, reason, at }: SetAsideJob): SetAsideJob {
  return { job: copyJob(job), reason, at };
}

function copyJob({ id, name, status, dueAt, data }: StoredJob): StoredJob {
  return { id, name, status, dueAt, data: new Uint8Array(data) };
}
