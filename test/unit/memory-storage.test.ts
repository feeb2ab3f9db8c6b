import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { memoryStorage } from '../../src/storage/memory/memory-storage.js';
import { recordBytes } from '../../src/storage/memory/record-arena.js';
import { RecordStore } from '../../src/storage/memory/record-store.js';
import type { SetAsideJob, StoredJob, StorageWrite } from '../../src/storage/storage.js';
import { plain, put, storedJob } from '../support/stored-jobs.js';

// What the conformance suite does not cover: the packed layout (moving records, reusing
// memory), copies in and out, sizes at the edges, and how bad input is refused.

const BASE_TIME = Date.UTC(2026, 0, 1) + 0.5;

const job = (id: string, fields: Partial<Omit<StoredJob, 'id'>> = {}): StoredJob =>
  storedJob(id, fields, BASE_TIME);
const del = (id: string): StorageWrite => ({ type: 'delete', id });

/** A small seeded PRNG (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) out[i] = (i * 31 + seed) & 255;
  return out;
}

/**
 * What the arena may hold for `jobs`: large records exactly, small ones at most twice
 * over (dead bytes are reclaimed once they outweigh live ones), plus a few slabs.
 */
function memoryBound(jobs: Iterable<StoredJob>): number {
  let small = 0;
  let large = 0;
  for (const { data } of jobs) {
    const size = recordBytes(data.length);
    if (size > 64 * 1024) large += size;
    else small += size;
  }
  return 2 * small + large + 3 * 2 ** 20;
}

describe('memoryStorage: records packed off the heap', () => {
  it('keeps every live record intact through many overwrites, deletes and moves', () => {
    const store = new RecordStore();
    const reference = new Map<string, StoredJob>();
    const next = random(7);
    const names = ['mail:send', 'report:daily', 'billing:charge'];
    // 20,000 ids: over a MiB of live records, so dead ones are reclaimed (and records moved).
    for (let round = 0; round < 100; round += 1) {
      const batch: StorageWrite[] = [];
      for (let i = 0; i < 2_000; i += 1) {
        const id = `job-${Math.floor(next() * 20_000)}`;
        if (next() < 0.2) {
          batch.push(del(id));
          reference.delete(id);
          continue;
        }
        // Mostly small records, some empty, a few large enough for a buffer of their own.
        const roll = next();
        const length = roll < 0.05 ? 0 : roll < 0.06 ? 70_000 : Math.floor(next() * 120);
        const stored = job(id, {
          name: names[Math.floor(next() * names.length)] ?? '',
          status: next() < 0.5 ? 'scheduled' : 'running',
          dueAt: BASE_TIME + next() * 1e9,
          data: bytes(length, round + i),
        });
        batch.push(put(stored));
        reference.set(id, stored);
      }
      store.apply(batch);
      expect(store.allocatedBytes).toBeLessThanOrEqual(memoryBound(reference.values()));
      if (round % 20 === 19) expect(plain(store.load())).toEqual(plain(reference.values()));
    }
    store.compact();
    expect(plain(store.load())).toEqual(plain(reference.values()));
  });

  it('moves records out of sparse slabs, so memory follows the live records', () => {
    const store = new RecordStore();
    const data = bytes(24, 1);
    const ids = Array.from({ length: 200_000 }, (_, i) => `id-${i}`);
    store.apply(ids.map((id) => put(job(id, { data }))));
    const full = store.allocatedBytes;
    // Deletes spread evenly: every slab keeps some records, so none is dropped on its own.
    store.apply(ids.filter((_, i) => i % 2 === 1).map(del));
    store.apply(ids.filter((_, i) => i % 4 === 2).map(del));
    const kept = ids.filter((_, i) => i % 4 === 0);
    const bound = memoryBound(kept.map((id) => job(id, { data })));
    expect(bound).toBeLessThan(full);
    expect(store.allocatedBytes).toBeLessThanOrEqual(bound);
    expect(store.load().map((stored) => stored.id)).toEqual(kept);
    // Rewriting every live job, many times over, keeps within the same bound.
    for (let round = 0; round < 10; round += 1) {
      store.apply(kept.map((id) => put(job(id, { data: bytes(24, round) }))));
      expect(store.allocatedBytes).toBeLessThanOrEqual(bound);
    }
    expect(plain(store.load())).toEqual(plain(kept.map((id) => job(id, { data: bytes(24, 9) }))));
  });

  it('gives the memory back when every job is deleted', () => {
    const store = new RecordStore();
    const ids = Array.from({ length: 20_000 }, (_, i) => `id-${i}`);
    store.apply(ids.map((id, i) => put(job(id, { data: bytes(i % 100, i) }))));
    store.apply([put(job('large', { data: bytes(1 << 20, 3) }))]);
    store.apply([...ids, 'large'].map(del));
    expect(store.size).toBe(0);
    expect(store.allocatedBytes).toBeLessThanOrEqual(1 << 20);
    expect(store.load()).toEqual([]);
  });

  it('forgets a task name once no stored job uses it', () => {
    const store = new RecordStore();
    const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);
    store.apply(ids.map((id) => put(job(id, { name: `one-off:${id}` }))));
    expect(store.labelCount).toBe(500);
    store.apply(ids.map(del));
    store.apply([put(job('a', { name: 'kept:task' }))]);
    expect(store.labelCount).toBeLessThan(100);
    expect(plain(store.load())).toEqual(plain([job('a', { name: 'kept:task' })]));
  });
});

describe('memoryStorage: copies in and out', () => {
  it('keeps what was written when the caller reuses its buffer and job object', async () => {
    const storage = memoryStorage();
    const data = Uint8Array.of(1, 2, 3, 4);
    const written = { ...job('a', { data }) };
    await storage.write([put(written)]);
    data.fill(9);
    Object.assign(written, { name: 'other:task', status: 'running', dueAt: 1 });
    expect(plain(await storage.load())).toEqual(
      plain([job('a', { data: Uint8Array.of(1, 2, 3, 4) })]),
    );
  });

  it('copies data that is a view into a larger buffer, and only its own bytes', async () => {
    const storage = memoryStorage();
    const pool = Buffer.from('xxhelloxx');
    await storage.write([put(job('a', { data: pool.subarray(2, 7) }))]);
    pool.fill(0);
    const [loaded] = await storage.load();
    expect(Buffer.from(loaded?.data ?? []).toString()).toBe('hello');
  });

  it('never changes a loaded job afterwards, whatever is written, moved or deleted', async () => {
    const storage = memoryStorage();
    const ids = Array.from({ length: 40_000 }, (_, i) => `id-${i}`);
    await storage.write(ids.map((id) => put(job(id, { data: bytes(30, 1) }))));
    const loaded = await storage.load();
    const before = plain(loaded);
    await storage.write(ids.map((id) => put(job(id, { status: 'running', data: bytes(30, 2) }))));
    await storage.write(ids.filter((_, i) => i % 3 !== 0).map(del));
    await storage.write(ids.map((id) => put(job(id, { data: bytes(30, 3) }))));
    expect(plain(loaded)).toEqual(before);
  });

  it('is not changed by a caller that mutates loaded or set-aside data', async () => {
    const storage = memoryStorage();
    await storage.write([put(job('a', { data: Uint8Array.of(1, 2) })), put(job('b'))]);
    const aside: SetAsideJob = { job: job('b', { data: Uint8Array.of(5) }), reason: 'r', at: 3 };
    await storage.setAside([aside]);
    aside.job.data.fill(0);
    for (const loaded of await storage.load()) loaded.data.fill(0);
    for (const entry of await storage.listSetAside()) entry.job.data.fill(0);
    expect(plain(await storage.load())).toEqual(plain([job('a', { data: Uint8Array.of(1, 2) })]));
    const [listed] = await storage.listSetAside();
    expect(Array.from(listed?.job.data ?? [])).toEqual([5]);
  });
});

describe('memoryStorage: edges', () => {
  it('round-trips 1 MB of data, empty data, and replaces one with the other', async () => {
    const storage = memoryStorage();
    const large = bytes(1 << 20, 5);
    await storage.write([
      put(job('large', { data: large })),
      put(job('empty', { data: new Uint8Array(0) })),
    ]);
    expect(plain(await storage.load())).toEqual(
      plain([job('large', { data: large }), job('empty', { data: new Uint8Array(0) })]),
    );
    await storage.write([
      put(job('large', { data: new Uint8Array(0) })),
      put(job('empty', { data: large })),
    ]);
    expect(plain(await storage.load())).toEqual(
      plain([job('large', { data: new Uint8Array(0) }), job('empty', { data: large })]),
    );
  });

  it('keeps ids, names and statuses with non-ASCII characters exactly', async () => {
    const storage = memoryStorage();
    const jobs = [
      job('ünï-✓ 🚀', { name: 'tâche:é', status: 'scheduled' }),
      job('作业-1', { name: '邮件:发送', status: 'running' }),
      job('e\u0301', { name: 'cafe\u0301:x', status: 'états' }),
      job('é', { name: 'café:x' }),
      job('', { name: '' }),
      job('\u{1F600}\u0000nul', { name: 'a\u0000b', dueAt: -86_400_000.25 }),
    ];
    await storage.write(jobs.map(put));
    expect(plain(await storage.load())).toEqual(plain(jobs));
  });

  it('accepts a Buffer and a Uint8Array from another realm as data', async () => {
    const storage = memoryStorage();
    const foreign = runInNewContext('new Uint8Array([7, 8, 9])') as Uint8Array;
    await storage.write([
      put(job('buffer', { data: Buffer.from('abc') })),
      put(job('foreign', { data: foreign })),
    ]);
    const loaded = plain(await storage.load());
    expect(loaded.map((stored) => stored.data)).toEqual(['616263', '070809']);
  });
});

describe('memoryStorage: bad input', () => {
  const cases: [string, unknown, RegExp][] = [
    [
      'a NaN dueAt',
      put(job('x', { dueAt: NaN })),
      /write 2 of 3 \(job "x"\): expected `dueAt` to be finite epoch ms, got NaN/,
    ],
    ['an infinite dueAt', put(job('x', { dueAt: Infinity })), /`dueAt`.*got Infinity/],
    [
      'a string as data',
      put({ ...job('x'), data: 'abc' as never }),
      /`data` to be a Uint8Array, got "abc"/,
    ],
    ['an array as data', put({ ...job('x'), data: [1, 2] as never }), /`data`.*got an array of 2/],
    [
      'a numeric id',
      put({ ...job('x'), id: 5 as never }),
      /write 2 of 3: expected `job.id` to be a string, got 5/,
    ],
    [
      'a missing name',
      put({ ...job('x'), name: undefined as never }),
      /`name` to be a string, got undefined/,
    ],
    [
      'a status that is no string',
      put({ ...job('x'), status: null as never }),
      /`status`.*got null/,
    ],
    ['no job', { type: 'put' }, /expected `job` to be a StoredJob, got undefined/],
    [
      'an unknown type',
      { type: 'upsert', id: 'x' },
      /`type` to be 'put' or 'delete', got "upsert"/,
    ],
    ['a delete without id', { type: 'delete' }, /`id` to be a string, got undefined/],
    ['null', null, /write 2 of 3 is null, not a write/],
  ];

  it.each(cases)('refuses %s, naming it, and stores none of the batch', async (_, bad, message) => {
    const storage = memoryStorage();
    const kept = job('kept', { data: Uint8Array.of(1) });
    await storage.write([put(kept), put(job('x'))]);
    const batch = [put(job('new')), bad, del('kept')] as StorageWrite[];
    const error = await storage.write(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/refused the batch, storing none of it/);
    expect(plain(await storage.load())).toEqual(plain([kept, job('x')]));
  });

  it('refuses a batch that is not an array', async () => {
    const storage = memoryStorage();
    await expect(storage.write({} as never)).rejects.toThrow(
      /expected a batch \(array\) of writes, got an object/,
    );
  });

  it('refuses a bad set-aside entry and moves none of them', async () => {
    const storage = memoryStorage();
    await storage.write([put(job('a')), put(job('b'))]);
    const entries = [
      { job: job('a'), reason: 'r', at: 1 },
      { job: job('b'), reason: 'r', at: Number.NaN },
    ];
    await expect(storage.setAside(entries)).rejects.toThrow(
      /refused to set aside, moving none: entry 2 of 2: expected `at` to be finite epoch ms, got NaN/,
    );
    expect(plain(await storage.load())).toEqual(plain([job('a'), job('b')]));
    expect(await storage.listSetAside()).toEqual([]);
  });
});
