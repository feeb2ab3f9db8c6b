import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SetAsideJob, Storage } from '../../src/storage/storage.js';
import {
  BASE_TIME,
  bytesOf,
  plain,
  plainSetAside,
  put,
  storedJob as job,
} from '../support/stored-jobs.js';

/**
 * What a backend's test hands the suite for each case: a fresh, not yet opened storage over
 * an empty backing store, and how to get another instance over the same store.
 *
 * @example
 * const subject: StorageUnderTest = { storage, reopen: async () => storage, cleanup: async () => {} };
 */
export interface StorageUnderTest {
  readonly storage: Storage;
  /** A new Storage over the same backing store (the memory backend may return the same one). */
  reopen(): Promise<Storage>;
  /** Removes what the case left in the backing store; runs after every storage is closed. */
  cleanup(): Promise<void>;
  /** The namespace the suite opens every storage with. @default 'jobify' */
  readonly namespace?: string;
  /**
   * For backends that keep namespaces apart: a second namespace, which the suite opens a
   * `reopen()` instance with to check that neither namespace sees the other. Leave it out
   * where the backend has no namespaces (and do not pass `{ namespaces: true }`).
   */
  readonly otherNamespace?: string;
}

const logger = pino({ enabled: false });

/**
 * The one suite every Storage passes: memory, Redis and file storage each call it with a
 * factory that returns an unopened storage over an empty backing store.
 *
 * @example
 * describeStorageConformance('memoryStorage', async () => {
 *   const storage = memoryStorage();
 *   return { storage, reopen: async () => storage, cleanup: async () => {} };
 * });
 */
export function describeStorageConformance(
  name: string,
  factory: () => Promise<StorageUnderTest>,
  capabilities: { readonly namespaces?: boolean } = {},
): void {
  describe(`Storage conformance: ${name}`, () => {
    let subject: StorageUnderTest;
    let storage: Storage;
    const open = new Set<Storage>();

    async function openStorage(target: Storage, namespace = subject.namespace): Promise<Storage> {
      await target.open({ namespace: namespace ?? 'jobify', logger });
      open.add(target);
      return target;
    }

    async function closeStorage(target: Storage): Promise<void> {
      open.delete(target);
      await target.close();
    }

    beforeEach(async () => {
      subject = await factory();
      storage = await openStorage(subject.storage);
    });

    afterEach(async () => {
      // Reverse order of opening, so the first storage is released last.
      for (const target of [...open].reverse()) await closeStorage(target);
      await subject.cleanup();
    });

    it('opens and closes', async () => {
      // beforeEach opened it; closing must release it cleanly (cleanup checks for leftovers).
      await expect(closeStorage(storage)).resolves.toBeUndefined();
    });

    it('loads nothing from an empty store', async () => {
      expect(await storage.load()).toEqual([]);
      expect(await storage.listSetAside()).toEqual([]);
    });

    it('loads a put job back with identical bytes, name, status and due time', async () => {
      const jobs = [
        job('a', { name: 'reports.daily:generate', status: 'scheduled', dueAt: BASE_TIME + 1 }),
        job('b', { status: 'running', dueAt: BASE_TIME - 86_400_000 }),
        job('ünï-✓ 🚀', { name: 'tâche:é', data: bytesOf('héllo') }),
        job('empty', { data: new Uint8Array(0) }),
      ];
      await storage.write(jobs.map(put));
      const loaded = await storage.load();
      for (const stored of loaded) expect(stored.data).toBeInstanceOf(Uint8Array);
      expect(plain(loaded)).toEqual(plain(jobs));
    });

    it('replaces a job on a later put of the same id', async () => {
      await storage.write([put(job('a', { status: 'scheduled', data: bytesOf('v1') }))]);
      const newer = job('a', { status: 'running', dueAt: BASE_TIME + 5_000, data: bytesOf('v2') });
      await storage.write([put(newer)]);
      expect(plain(await storage.load())).toEqual(plain([newer]));
    });

    it('removes a deleted job, and a delete of an unknown id is harmless', async () => {
      const kept = job('kept');
      await storage.write([put(job('gone')), put(kept)]);
      await storage.write([{ type: 'delete', id: 'gone' }]);
      await storage.write([{ type: 'delete', id: 'never-stored' }]);
      expect(plain(await storage.load())).toEqual(plain([kept]));
    });

    it('applies the writes of one batch in order', async () => {
      const oldB = job('b', { data: bytesOf('old') });
      await storage.write([put(oldB)]);
      const newB = job('b', { data: bytesOf('new'), dueAt: BASE_TIME + 9 });
      await storage.write([
        put(job('a')),
        { type: 'delete', id: 'a' },
        { type: 'delete', id: 'b' },
        put(newB),
      ]);
      expect(plain(await storage.load())).toEqual(plain([newB]));
    });

    it('round-trips 2,500 jobs written in one batch', async () => {
      const jobs = Array.from({ length: 2_500 }, (_, i) =>
        job(`job-${i}`, { dueAt: BASE_TIME + i * 1_000, data: bytesOf(`payload ${i}`) }),
      );
      await storage.write(jobs.map(put));
      expect(plain(await storage.load())).toEqual(plain(jobs));
    });

    it('round-trips data holding every byte value 0..255', async () => {
      const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
      const reversed = everyByte.slice().reverse();
      const jobs = [job('up', { data: everyByte }), job('down', { data: reversed })];
      await storage.write(jobs.map(put));
      expect(plain(await storage.load())).toEqual(plain(jobs));
    });

    it('sets a record aside: out of load(), into listSetAside() with reason and time', async () => {
      const bad = job('bad', { name: 'gone:task', data: Uint8Array.of(0, 255, 1) });
      const good = job('good');
      await storage.write([put(bad), put(good)]);
      const entry: SetAsideJob = { job: bad, reason: "task 'gone:task' is not registered", at: 42 };
      await storage.setAside([entry]);
      expect(plain(await storage.load())).toEqual(plain([good]));
      expect(plainSetAside(await storage.listSetAside())).toEqual(plainSetAside([entry]));
    });

    it('keeps jobs and set-aside records across a reopen', async () => {
      const jobs = [
        job('a', { data: Uint8Array.of(0, 1, 2, 255) }),
        job('b', { status: 'running' }),
      ];
      const aside: SetAsideJob = { job: job('c', { name: '' }), reason: 'unreadable', at: 7 };
      await storage.write([...jobs, aside.job].map(put));
      await storage.setAside([aside]);
      await closeStorage(storage);
      const reopened = await openStorage(await subject.reopen());
      expect(plain(await reopened.load())).toEqual(plain(jobs));
      expect(plainSetAside(await reopened.listSetAside())).toEqual(plainSetAside([aside]));
    });

    it('opens again after close() and keeps working', async () => {
      await storage.write([put(job('before'))]);
      await closeStorage(storage);
      await openStorage(storage);
      await storage.write([put(job('after'))]);
      expect(plain(await storage.load())).toEqual(plain([job('after'), job('before')]));
    });

    // Only backends that keep namespaces apart get this case (one file holds one app).
    if (!capabilities.namespaces) return;
    it('keeps two namespaces apart', async () => {
      const { otherNamespace } = subject;
      if (otherNamespace === undefined) throw new Error('factory must give otherNamespace');
      const other = await openStorage(await subject.reopen(), otherNamespace);
      const mine = [job('shared-id', { data: bytesOf('mine') }), job('only-mine')];
      const theirs = [job('shared-id', { data: bytesOf('theirs') }), job('only-theirs')];
      await storage.write(mine.map(put));
      await other.write(theirs.map(put));
      expect(plain(await storage.load())).toEqual(plain(mine));
      expect(plain(await other.load())).toEqual(plain(theirs));
      await storage.write([{ type: 'delete', id: 'shared-id' }]);
      const aside: SetAsideJob = { job: job('only-mine'), reason: 'test', at: 1 };
      await storage.setAside([aside]);
      expect(await storage.load()).toEqual([]);
      expect(plain(await other.load())).toEqual(plain(theirs));
      expect(await other.listSetAside()).toEqual([]);
      expect(plainSetAside(await storage.listSetAside())).toEqual(plainSetAside([aside]));
    });
  });
}
