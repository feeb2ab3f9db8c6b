import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createJobify, createSimulatedClock, memoryStorage } from '../../src/index.js';
import type { Storage, StorageWrite } from '../../src/index.js';
import { MINUTE, START, storedIds } from '../support/restart.js';

/** Memory storage whose next `failures` writes reject; every batch it is given is kept. */
function flakyStorage(failures: number) {
  const inner = memoryStorage();
  const batches: StorageWrite[][] = [];
  let left = failures;
  const storage: Storage = {
    ...inner,
    write: (batch) => {
      batches.push([...batch]);
      if (left > 0) {
        left -= 1;
        return Promise.reject(new Error('disk full'));
      }
      return inner.write(batch);
    },
  };
  return { storage, inner, batches };
}

function appOn(storage: Storage) {
  const clock = createSimulatedClock(START);
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  const app = createJobify({ clock, storage, logger });
  const runs: number[] = [];
  const add = app.task(function add(n: number) {
    runs.push(n);
    return n;
  });
  return { clock, app, add, runs, lines };
}

describe('a storage write that fails', () => {
  it('is retried with backoff, and schedule() resolves only once the job is stored', async () => {
    const { storage, inner, batches } = flakyStorage(2);
    const { clock, app, add, lines } = appOn(storage);
    await app.start();
    try {
      let stored = false;
      const scheduling = add
        .schedule(1)
        .delay(MINUTE, { jobId: 'kept' })
        .then(() => (stored = true));
      await clock.advance(0);
      expect(batches).toHaveLength(1);
      expect(stored).toBe(false);
      expect(lines.join('')).toContain('storage write failed; retrying');
      await clock.advance(49);
      expect(batches).toHaveLength(1);
      await clock.advance(1); // first retry after 50 ms: fails again
      expect(batches).toHaveLength(2);
      await clock.advance(100); // second retry after 100 ms more: lands
      await scheduling;
      expect(stored).toBe(true);
      expect(await storedIds(inner)).toEqual(['kept']);
    } finally {
      await app.stop();
    }
  });

  it('writes the latest state on retry: a job that finished meanwhile is deleted, not put', async () => {
    const { storage, inner, batches } = flakyStorage(1);
    const { clock, app, add, runs } = appOn(storage);
    await app.start();
    try {
      void add.schedule(7).delay(10, { jobId: 'short' });
      await clock.advance(0); // the put fails
      await clock.advance(10); // the job runs and finishes while the retry waits
      expect(runs).toEqual([7]);
      await clock.advance(40); // the retry: the job is finished, so its record is deleted
      expect(batches.at(-1)).toEqual([{ type: 'delete', id: 'short' }]);
      expect(await storedIds(inner)).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  it('writes the latest state on retry: a replaced job is stored with its new due time', async () => {
    const { storage, inner } = flakyStorage(1);
    const { clock, app, add } = appOn(storage);
    await app.start();
    try {
      void add.schedule(1).delay(MINUTE, { jobId: 'moved' });
      await clock.advance(0); // the put fails
      const replaced = add.schedule(2).delay(2 * MINUTE, { jobId: 'moved', replace: true });
      await clock.advance(50);
      await replaced;
      const [job] = await inner.load();
      expect(job).toMatchObject({ id: 'moved', dueAt: START + 2 * MINUTE });
    } finally {
      await app.stop();
    }
  });
});
