import type { SetAsideJob, Storage, StoredJob, StorageWrite } from '../storage.js';

/**
 * Keeps jobs in this process's memory: the default, fast and dependency-free. Jobs survive
 * `stop()` and a new `start()` (of this app, or another app given the same instance), but
 * not the process.
 *
 * @example
 * const storage = memoryStorage();
 * const app = createJobify({ storage });
 */
export function memoryStorage(): Storage {
  const live = new Map<string, StoredJob>();
  const setAside: SetAsideJob[] = [];
  return {
    open: () => Promise.resolve(),
    close: () => Promise.resolve(),
    load: () => Promise.resolve([...live.values()]),
    write(batch: readonly StorageWrite[]) {
      for (const change of batch) {
        if (change.type === 'put') live.set(change.job.id, change.job);
        else live.delete(change.id);
      }
      return Promise.resolve();
    },
    setAside(jobs: readonly SetAsideJob[]) {
      for (const entry of jobs) {
        live.delete(entry.job.id);
        setAside.push(entry);
      }
      return Promise.resolve();
    },
    listSetAside: () => Promise.resolve([...setAside]),
  };
}
