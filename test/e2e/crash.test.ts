import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { namespaceKeyPattern } from '../../src/storage/redis/keys.js';
import { deleteKeys } from '../support/redis.js';
import {
  type AppProcess,
  killApp,
  readLog,
  startApp,
  waitForExit,
  waitForLog,
} from './fixtures/processes.js';

// The at-least-once contract across real processes: after a SIGKILL, a new process on the
// same storage runs every job that had not finished; only runs in flight at the kill run
// again, and those know it (ctx.recovered). Each case drives test/e2e/fixtures/crash-app.ts
// and reads the log it appends to (lines survive a SIGKILL).

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `jobify-e2e-${process.pid}-${Date.now()}`;
const admin = new Redis(REDIS_URL, { lazyConnect: true });
const TIMEOUT = 30_000;
let cases = 0;
const cleanups: (() => Promise<unknown>)[] = [];
const launched: AppProcess[] = [];

afterEach(async () => {
  for (const app of launched.splice(0)) await killApp(app);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  if (admin.status === 'ready') await admin.quit();
  else admin.disconnect();
});

interface World {
  /** Storage settings shared by every process of the case. */
  readonly env: Record<string, string>;
  readonly dir: string;
}

/** A temp dir for logs (and the file storage), or a fresh Redis namespace; removed after. */
async function createWorld(storage: 'file' | 'redis'): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'jobify-e2e-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  if (storage === 'file') return { dir, env: { STORAGE: 'file', FILE_PATH: join(dir, 'jobs.db') } };
  cases += 1;
  const namespace = `${runId}-${cases}`;
  cleanups.push(() => deleteNamespace(namespace));
  return { dir, env: { STORAGE: 'redis', REDIS_URL, NAMESPACE: namespace } };
}

function deleteNamespace(namespace: string): Promise<void> {
  return deleteKeys(admin, namespaceKeyPattern(namespace));
}

/** Starts a crash-app process of this case; its log is `<dir>/<phase>.log`. */
function launch(world: World, phase: string, env: Record<string, string>) {
  const log = join(world.dir, `${phase}.log`);
  const app = startApp({ ...world.env, ...env, LOG: log });
  launched.push(app);
  return { app, log };
}

/** Runs a `restore` process to its end and returns its log. */
async function restore(world: World, env: Record<string, string> = {}): Promise<string[]> {
  const { app, log } = launch(world, 'after', { MODE: 'restore', ...env });
  const exit = await waitForExit(app, log);
  const lines = readLog(log);
  expect(
    lines.filter((line) => line.startsWith('error ')),
    app.stderr(),
  ).toEqual([]);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(lines).toContain('stopped');
  return lines;
}

interface Run {
  readonly id: string;
  readonly recovered: boolean;
}

/** `start <id> <0|1>` or `ran <id> <0|1>` lines of plain jobs. */
function runs(lines: readonly string[], kind: 'start' | 'ran'): Run[] {
  const pattern = new RegExp(`^${kind} (\\S+) ([01])$`);
  return lines.flatMap((line) => {
    const match = pattern.exec(line);
    return match?.[1] && line.split(' ').length === 3
      ? [{ id: match[1], recovered: match[2] === '1' }]
      : [];
  });
}

interface CronRun {
  readonly id: string;
  readonly occurrence: string;
  readonly recovered: boolean;
}

function cronRuns(lines: readonly string[]): CronRun[] {
  return lines.flatMap((line) => {
    const match = /^ran cron (\S+) (\S+) ([01])$/.exec(line);
    return match?.[1] && match[2]
      ? [{ id: match[1], occurrence: match[2], recovered: match[3] === '1' }]
      : [];
  });
}

function ids(list: readonly Run[]): string[] {
  return list.map((run) => run.id).sort();
}

function countIds(list: readonly Run[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { id } of list) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

function range(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

function acknowledged(lines: readonly string[], id: string, status: string): boolean {
  return lines.includes(`stored ${id} ${status}`);
}

/** Each id of `expected` ran exactly once over both processes; no other id ran. */
function expectEachRanOnce(expected: readonly string[], before: string[], after: string[]) {
  const counts = countIds([...runs(before, 'ran'), ...runs(after, 'ran')]);
  const missing = expected.filter((id) => !counts.has(id));
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unknown = [...counts.keys()].filter((id) => !expected.includes(id));
  const storedBeforeKill = before.filter((line) => /^stored \S+ scheduled$/.test(line)).length;
  expect(
    { missing: missing.length, twice, unknown, firstMissing: missing.slice(0, 3) },
    `${storedBeforeKill} of ${expected.length} jobs had been acknowledged by storage before the kill`,
  ).toEqual({ missing: 0, twice: [], unknown: [], firstMissing: [] });
}

const HOLDERS = range('job', 12).filter((_, i) => i % 2 === 1);
const QUICK = range('job', 12).filter((_, i) => i % 2 === 0);
const LATE = range('late', 3);

/** A `run` process: 12 jobs due now (the odd ones hold until the end), 3 due in 2 s. */
function launchRuns(world: World) {
  return launch(world, 'before', {
    MODE: 'run',
    COUNT: '12',
    HOLD_IDS: HOLDERS.join(','),
    RUN_MS: '100',
    LATE: String(LATE.length),
    LATE_DELAY_MS: '2000',
  });
}

/**
 * Every quick job finished and storage deleted it; every holder is running and storage
 * knows it. Nothing is between two states, so what a kill interrupts is exact.
 */
function runsSettled(lines: string[]): boolean {
  return (
    QUICK.every((id) => lines.includes(`deleted ${id}`)) &&
    HOLDERS.every((id) => acknowledged(lines, id, 'running'))
  );
}

/** After a kill or stop that interrupted the holders: the second process finishes the work. */
function expectInterruptedRunsAgain(before: string[], after: string[]) {
  const finishedBefore = new Set(ids(runs(before, 'ran')));
  const interrupted = ids(runs(before, 'start').filter((run) => !finishedBefore.has(run.id)));
  expect(interrupted).toEqual([...HOLDERS].sort());
  // Every job appears, and each finished exactly once.
  expectEachRanOnce([...QUICK, ...HOLDERS, ...LATE], before, after);
  // The jobs that started twice are exactly the interrupted ones...
  const startedTwice = [...countIds([...runs(before, 'start'), ...runs(after, 'start')])]
    .filter(([, n]) => n > 1)
    .map(([id]) => id)
    .sort();
  expect(startedTwice).toEqual(interrupted);
  // ...and their second run says so; nothing else is marked recovered.
  const recoveredAfter = ids(runs(after, 'start').filter((run) => run.recovered));
  expect(recoveredAfter).toEqual(interrupted);
  expect(ids(runs(after, 'ran').filter((run) => run.recovered))).toEqual(interrupted);
  expect(runs(before, 'start').every((run) => !run.recovered)).toBe(true);
  expect(ids(runs(after, 'start'))).toEqual([...interrupted, ...LATE].sort());
}

describe.each(['file', 'redis'] as const)('a SIGKILL with %s storage', (storage) => {
  it(
    'in the tick the 1,000 schedule() promises resolved loses none of those jobs',
    async () => {
      // The app SIGKILLs itself right after `scheduled 1000`: a job whose schedule() has
      // resolved is acknowledged, so it must come back whenever the process dies.
      const world = await createWorld(storage);
      const first = launch(world, 'before', { MODE: 'schedule', COUNT: '1000', SELF_KILL: '1' });
      expect(await waitForExit(first.app, first.log)).toEqual({ code: null, signal: 'SIGKILL' });
      const before = readLog(first.log);
      expect(before).toContain('scheduled 1000');
      const after = await restore(world);
      expectEachRanOnce(range('job', 1000), before, after);
      expect(runs(after, 'ran').some((run) => run.recovered)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'once storage acknowledged 1,000 delayed jobs: a new process runs each exactly once',
    async () => {
      const world = await createWorld(storage);
      const first = launch(world, 'before', { MODE: 'schedule', COUNT: '1000' });
      const jobs = range('job', 1000);
      await waitForLog(
        first.log,
        first.app,
        (lines) =>
          lines.includes('scheduled 1000') &&
          jobs.every((id) => acknowledged(lines, id, 'scheduled')),
      );
      await killApp(first.app);
      const before = readLog(first.log);
      expect(runs(before, 'start')).toEqual([]); // killed before any was due (1.5 s)
      const after = await restore(world);
      expectEachRanOnce(jobs, before, after);
      expect(runs(after, 'ran').some((run) => run.recovered)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'while jobs run: the interrupted ones run again with ctx.recovered, the rest once',
    async () => {
      const world = await createWorld(storage);
      const first = launchRuns(world);
      await waitForLog(first.log, first.app, runsSettled);
      await killApp(first.app);
      const before = readLog(first.log);
      expect(runs(before, 'start').map((run) => run.id)).not.toContain(LATE[0]);
      const after = await restore(world);
      expectInterruptedRunsAgain(before, after);
    },
    TIMEOUT,
  );

  it(
    'between cron runs: both crons keep their ids and go on, no occurrence runs twice',
    async () => {
      const world = await createWorld(storage);
      const crons = ['beat', 'cron:tick'];
      const first = launch(world, 'before', { MODE: 'cron' });
      // Two runs of each, and storage has the next occurrence of each: between runs.
      await waitForLog(first.log, first.app, (lines) =>
        crons.every((id) => {
          const done = cronRuns(lines).filter((run) => run.id === id);
          const lastRun = lines.lastIndexOf(`ran cron ${id} ${done.at(-1)?.occurrence} 0`);
          return done.length >= 2 && lines.indexOf(`stored ${id} scheduled`, lastRun) > lastRun;
        }),
      );
      await killApp(first.app);
      const before = cronRuns(readLog(first.log));
      const after = cronRuns(await restore(world, { CRON: '1', RESTORE_MS: '3000' }));
      expect([...new Set(after.map((run) => run.id))].sort()).toEqual(crons);
      for (const id of crons) {
        const old = before.filter((run) => run.id === id).map((run) => run.occurrence);
        const fresh = after.filter((run) => run.id === id).map((run) => run.occurrence);
        expect(fresh.length, `${id} after the restart`).toBeGreaterThanOrEqual(2);
        // ISO strings of one format sort by time: the schedule went forward, never back.
        expect(fresh.every((at) => at > (old.at(-1) ?? ''))).toBe(true);
        const all = [...old, ...fresh];
        expect(new Set(all).size, all.join(' ')).toBe(all.length);
      }
      expect([...before, ...after].some((run) => run.recovered)).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'SIGTERM (app.stop()) while jobs run: the next process runs the interrupted and pending jobs',
    async () => {
      const world = await createWorld(storage);
      const first = launchRuns(world);
      await waitForLog(first.log, first.app, runsSettled);
      expect(await killApp(first.app, 'SIGTERM')).toEqual({ code: 0, signal: null });
      const before = readLog(first.log);
      expect(before.at(-1)).toBe('stopped');
      expect(before.filter((line) => line.startsWith('aborted ')).sort()).toEqual(
        HOLDERS.map((id) => `aborted ${id}`).sort(),
      );
      // stop() removed nothing that had not finished.
      expect(before.filter((line) => HOLDERS.some((id) => line === `deleted ${id}`))).toEqual([]);
      const after = await restore(world);
      expectInterruptedRunsAgain(before, after);
    },
    TIMEOUT,
  );
});
