import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  StorageError,
  createJobify,
  createSimulatedClock,
  type Storage,
  type StoredJob,
} from '../../src/index.js';
import {
  FORMAT_VERSION,
  HEADER_SIZE,
  MAGIC,
  encodeFrames,
  scanFrames,
} from '../../src/storage/file/frames.js';
import { fileStorage, type FileStorageOptions } from '../../src/storage/file/file-storage.js';

const dirs: string[] = [];
const opened: Storage[] = [];

afterEach(async () => {
  // A failed test must not leave a lock behind for the next one.
  await Promise.all(opened.splice(0).map((storage) => storage.close().catch(() => undefined)));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A path in a fresh temp dir, under a directory that does not exist yet. */
async function tempPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jobify-file-'));
  dirs.push(dir);
  return join(dir, 'nested', 'jobs.db');
}

/** A real pino logger whose records are kept for assertions. */
function captureLogger() {
  type LogLine = { level: number; msg: string; [key: string]: unknown };
  const records: LogLine[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => records.push(JSON.parse(line) as LogLine) },
  );
  const warnings = () => records.filter((r) => r.level === 40);
  return { logger, warnings };
}

async function openAt(path: string, options: FileStorageOptions = {}) {
  const { logger, warnings } = captureLogger();
  const storage = fileStorage(path, options);
  opened.push(storage);
  await storage.open({ namespace: 'jobify', logger });
  return { storage, warnings };
}

function job(id: string, n = 1): StoredJob {
  return {
    id,
    name: 'test:task',
    status: 'scheduled',
    dueAt: 1_000 + n,
    data: Uint8Array.of(n, 2, 3),
  };
}

async function ids(storage: Storage): Promise<string[]> {
  return (await storage.load()).map((j) => j.id).sort();
}

/** The records in the file as it is on disk now. */
async function recordsOnDisk(path: string) {
  return scanFrames(await readFile(path), HEADER_SIZE);
}

/** A file holding a, then b, written in two batches (so b is the last frame), closed. */
async function fileWithTwoJobs() {
  const path = await tempPath();
  const { storage } = await openAt(path);
  await storage.write([{ type: 'put', job: job('a', 1) }]);
  await storage.write([{ type: 'put', job: job('b', 2) }]);
  await storage.close();
  return path;
}

describe('fileStorage', () => {
  it('keeps puts, deletes and set-aside records across close and open', async () => {
    const path = await tempPath();
    const first = await openAt(path);
    await first.storage.write([
      { type: 'put', job: job('a', 1) },
      { type: 'put', job: job('b', 2) },
      { type: 'put', job: job('c', 3) },
      { type: 'delete', id: 'b' },
    ]);
    await first.storage.setAside([{ job: job('c', 3), reason: 'task gone', at: 42 }]);
    await first.storage.close();

    const { storage } = await openAt(path);
    expect(await storage.load()).toEqual([job('a', 1)]);
    expect(await storage.listSetAside()).toEqual([
      { job: job('c', 3), reason: 'task gone', at: 42 },
    ]);
  });

  it('cuts off a torn tail with a warning and keeps the records before it', async () => {
    const path = await fileWithTwoJobs();
    const frame = encodeFrames([{ op: 'put', job: job('c', 3) }]);
    const half = Math.floor(frame.length / 2);
    await appendFile(path, frame.subarray(0, half));

    const { storage, warnings } = await openAt(path);
    expect(await ids(storage)).toEqual(['a', 'b']);
    expect(warnings()).toMatchObject([{ droppedBytes: half, problem: 'short frame' }]);
    expect(warnings()[0]?.msg).toContain(`${half} bytes`);
    expect((await recordsOnDisk(path)).records).toHaveLength(2);
  });

  it('cuts off a last frame whose checksum does not match, never misreading it', async () => {
    const path = await fileWithTwoJobs();
    const bytes = await readFile(path);
    const last = bytes.length - 1; // inside the payload of b's frame
    bytes[last] = (bytes[last] ?? 0) ^ 0xff;
    await writeFile(path, bytes);

    const { storage, warnings } = await openAt(path);
    expect(await storage.load()).toEqual([job('a', 1)]);
    const dropped = encodeFrames([{ op: 'put', job: job('b', 2) }]).length;
    expect(warnings()).toMatchObject([{ droppedBytes: dropped, problem: 'checksum mismatch' }]);
  });

  it('cuts off garbage after a valid frame', async () => {
    const path = await fileWithTwoJobs();
    const garbage = Buffer.from('\x00\x00\x00\x05garbage that is not a frame');
    await appendFile(path, garbage);

    const { storage, warnings } = await openAt(path);
    expect(await ids(storage)).toEqual(['a', 'b']);
    expect(warnings()).toMatchObject([{ droppedBytes: garbage.length }]);
  });

  it('refuses a file of an unknown format version, leaving it untouched', async () => {
    const path = await tempPath();
    await mkdir(dirname(path), { recursive: true });
    const header = Buffer.concat([MAGIC, Buffer.alloc(4)]);
    header.writeUInt32BE(FORMAT_VERSION + 98, MAGIC.length);
    const content = Buffer.concat([header, encodeFrames([{ op: 'put', job: job('a') }])]);
    await writeFile(path, content);

    const storage = fileStorage(path);
    const { logger } = captureLogger();
    const opening = storage.open({ namespace: 'jobify', logger });
    await expect(opening).rejects.toThrow(StorageError);
    await expect(opening).rejects.toThrow(`'${path}': format version ${FORMAT_VERSION + 98}`);
    expect(await readFile(path)).toEqual(content);
    await expect(stat(`${path}.lock`)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a file that is not a jobify log', async () => {
    const path = await tempPath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, 'name,email\nada,ada@example.com\n');
    const { logger } = captureLogger();
    await expect(fileStorage(path).open({ namespace: 'jobify', logger })).rejects.toThrow(
      /not a jobify storage file/,
    );
  });

  it('compacts on open: many puts of one id leave one record', async () => {
    const path = await tempPath();
    const { storage } = await openAt(path, { fsync: 'never' });
    for (let n = 0; n < 50; n++) {
      await storage.write(
        Array.from({ length: 10 }, (_, i) => ({ type: 'put', job: job('a', n * 10 + i) })),
      );
    }
    await storage.close();
    const before = (await stat(path)).size;
    expect((await recordsOnDisk(path)).records).toHaveLength(500);

    const reopened = await openAt(path);
    expect(await reopened.storage.load()).toEqual([job('a', 499)]);
    expect((await recordsOnDisk(path)).records).toHaveLength(1);
    expect((await stat(path)).size).toBeLessThan(before / 100);
  });

  it('compacts while open once dead records dominate, and keeps appending after', async () => {
    const path = await tempPath();
    const { storage } = await openAt(path, { fsync: 'never' });
    await storage.write(
      Array.from({ length: 10 }, (_, i) => ({ type: 'put', job: job(`keep-${i}`) })),
    );
    for (let n = 0; n < 11; n++) {
      await storage.write(
        Array.from({ length: 100 }, (_, i) => ({ type: 'put', job: job('churn', i) })),
      );
    }
    expect((await recordsOnDisk(path)).records).toHaveLength(11);
    await storage.write([{ type: 'put', job: job('late') }]);
    await storage.close();

    const reopened = await openAt(path);
    expect(await ids(reopened.storage)).toHaveLength(12);
    expect(await ids(reopened.storage)).toContain('late');
  });

  it('refuses a second fileStorage on the same path in this process, naming the lock', async () => {
    const path = await tempPath();
    await openAt(path);
    const { logger } = captureLogger();
    const second = fileStorage(path).open({ namespace: 'jobify', logger });
    await expect(second).rejects.toThrow(StorageError);
    await expect(second).rejects.toThrow(`${path}.lock`);
  });

  it('refuses a path locked by another live process, naming its pid', async () => {
    const path = await tempPath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.lock`, `${process.ppid}\n`);
    const { logger } = captureLogger();
    await expect(fileStorage(path).open({ namespace: 'jobify', logger })).rejects.toThrow(
      `another process (pid ${process.ppid})`,
    );
    expect(await readFile(`${path}.lock`, 'utf8')).toBe(`${process.ppid}\n`);
  });

  it.each([
    ['a dead process', '999999\n', /pid 999999\) is not running/],
    // A container restart gives the new process the pid of the one that crashed.
    ['an earlier process with our pid', `${process.pid}\n`, /names this process/],
    ['a crash while it was created', '', /names no process/],
  ])('takes over a stale lock left by %s, with a warning', async (_, content, why) => {
    const path = await tempPath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.lock`, content);
    const { storage, warnings } = await openAt(path);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.msg).toMatch(why);
    expect(await readFile(`${path}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await storage.write([{ type: 'put', job: job('a') }]);
    expect(await ids(storage)).toEqual(['a']);
  });

  it('releases the lock on close, so the path opens again', async () => {
    const path = await tempPath();
    const { storage } = await openAt(path);
    await storage.write([{ type: 'put', job: job('a') }]);
    await storage.close();
    await expect(stat(`${path}.lock`)).rejects.toThrow(/ENOENT/);

    await openAt(path); // another instance
    await expect(stat(`${path}.lock`)).resolves.toBeDefined();
  });

  it('opens again after close on the same instance', async () => {
    const path = await tempPath();
    const { storage } = await openAt(path);
    await storage.write([{ type: 'put', job: job('a') }]);
    await storage.close();
    await expect(storage.load()).rejects.toThrow(/not open/);
    await storage.open({ namespace: 'jobify', logger: captureLogger().logger });
    expect(await ids(storage)).toEqual(['a']);
  });

  it("round-trips with fsync 'never'", async () => {
    const path = await tempPath();
    const { storage } = await openAt(path, { fsync: 'never' });
    await storage.write([{ type: 'put', job: job('a', 7) }]);
    await storage.close();
    const reopened = await openAt(path, { fsync: 'never' });
    expect(await reopened.storage.load()).toEqual([job('a', 7)]);
  });

  it('validates its options', () => {
    expect(() => fileStorage('')).toThrow(/`path`/);
    expect(() => fileStorage('x', { fsync: 'sometimes' as 'never' })).toThrow(/`fsync`/);
  });
});

describe('an app on fileStorage', () => {
  it('runs a delayed job scheduled before a restart, with its args', async () => {
    const path = await tempPath();
    const clock = createSimulatedClock(Date.UTC(2026, 0, 1));
    const newApp = () => {
      const app = createJobify({ storage: fileStorage(path), logger: false, clock });
      const calls: number[][] = [];
      const add = app.task(function add(a: number, b: number) {
        calls.push([a, b]);
        return a + b;
      });
      return { app, add, calls };
    };

    const first = newApp();
    await first.app.start();
    const job = await first.add.schedule(2, 3).delay(10_000);
    await clock.advance(4_000);
    await first.app.stop();

    const second = newApp();
    await second.app.start();
    try {
      const restored = second.app.findJob(job.id);
      expect(restored?.execAt.getTime()).toBe(Date.UTC(2026, 0, 1) + 10_000);
      await clock.advance(5_999);
      expect(second.calls).toEqual([]);
      await clock.advance(1);
      expect(second.calls).toEqual([[2, 3]]);
      expect(await restored?.result()).toBe(5);
      expect(first.calls).toEqual([]);
    } finally {
      await second.app.stop();
    }
  });
});
