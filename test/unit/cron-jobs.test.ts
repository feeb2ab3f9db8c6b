import { describe, expect, it } from 'vitest';
import {
  Cron,
  InvalidCronError,
  MisfirePolicy,
  JobFailedError,
  JobStatus,
  createJobify,
  createRouter,
  createSimulatedClock,
} from '../../src/index.js';
import type { CronOptions, CronScheduleOptions, JobifyOptions } from '../../src/index.js';

const START = Date.UTC(2026, 0, 1);
const EVERY_SECOND = '* * * * * *';
const iso = (ms: number): string => new Date(ms).toISOString();

/** A stopped-on-dispose app whose `tick` task records when it ran and fails on demand. */
function setup(options: JobifyOptions & { start?: number } = {}) {
  const { start = START, ...rest } = options;
  const clock = createSimulatedClock(start);
  const app = createJobify({ clock, logger: false, ...rest });
  const runs: number[] = [];
  const failOn = new Set<number>(); // 1-based run numbers that throw; 0 = every run
  const tick = app.task(function tick() {
    runs.push(clock.now());
    if (failOn.has(0) || failOn.has(runs.length)) throw new Error(`run ${runs.length} failed`);
    return `run ${runs.length}`;
  });
  return { clock, app, tick, runs, failOn, [Symbol.asyncDispose]: () => app.stop() };
}

describe('a dynamic cron job', () => {
  it('runs at every matching second', async () => {
    await using env = setup();
    await env.app.start();
    const job = await env.tick.schedule().cron(EVERY_SECOND, { jobId: 'tick' });
    expect(job.execAt).toEqual(new Date(START + 1_000));
    await env.clock.advance(999);
    expect(env.runs).toEqual([]);
    await env.clock.advance(3_001);
    expect(env.runs).toEqual([START + 1_000, START + 2_000, START + 3_000, START + 4_000]);
    expect(job.status).toBe(JobStatus.SCHEDULED);
  });

  it('wait() resolves after the next run, and the job moves on to the following one', async () => {
    await using env = setup();
    await env.app.start();
    const job = await env.tick.schedule().cron(EVERY_SECOND, { jobId: 'tick' });
    const waited = job.wait();
    const result = job.result();
    await env.clock.advance(1_000);
    await expect(waited).resolves.toBe(JobStatus.SUCCESS);
    await expect(result).resolves.toBe('run 1');
    expect(job.execAt).toEqual(new Date(START + 2_000));
    expect(job.status).toBe(JobStatus.SCHEDULED);
    expect(env.app.findJob('tick')).toBe(job);
  });

  it('shows its expression and isCron()', async () => {
    await using env = setup();
    await env.app.start();
    const job = await env.tick.schedule().cron('0 8 * * 1-5', { jobId: 'weekday' });
    expect(job.cronExpression).toBe('0 8 * * 1-5');
    expect(job.isCron()).toBe(true);
    expect(job.id).toBe('weekday');
  });

  it('stops for good when cancelled', async () => {
    await using env = setup();
    await env.app.start();
    const job = await env.tick.schedule().cron(EVERY_SECOND, { jobId: 'tick' });
    await env.clock.advance(1_000);
    expect(await job.cancel()).toBe(true);
    await env.clock.advance(5_000);
    expect(env.runs).toEqual([START + 1_000]);
    expect(job.status).toBe(JobStatus.CANCELLED);
    expect(env.app.findJob('tick')).toBeUndefined();
  });
});

describe('Cron limits', () => {
  it('maxRuns ends the job after exactly that many runs, with the last run’s status', async () => {
    await using env = setup();
    await env.app.start();
    const job = await env.tick.schedule().cron(new Cron(EVERY_SECOND, { maxRuns: 3 }), {
      jobId: 'tick',
    });
    await env.clock.advance(10_000);
    expect(env.runs).toHaveLength(3);
    expect(job.status).toBe(JobStatus.SUCCESS);
    expect(job.isDone()).toBe(true);
    expect(env.app.getActiveJobs()).not.toContain(job);
    expect(await job.result()).toBe('run 3');
  });

  it('maxFailures ends an always-failing job permanently_failed after that many runs', async () => {
    await using env = setup();
    env.failOn.add(0);
    await env.app.start();
    const job = await env.tick.schedule().cron(new Cron(EVERY_SECOND, { maxFailures: 2 }), {
      jobId: 'tick',
    });
    await env.clock.advance(10_000);
    expect(env.runs).toHaveLength(2);
    expect(job.status).toBe(JobStatus.PERMANENTLY_FAILED);
    expect(env.app.findJob('tick')).toBeUndefined();
    const error: unknown = await job.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).cause).toEqual(new Error('run 2 failed'));
  });

  it('counts only consecutive failures: a success resets the count', async () => {
    await using env = setup();
    for (const run of [1, 3, 4, 5, 6]) env.failOn.add(run);
    await env.app.start();
    const job = await env.tick.schedule().cron(new Cron(EVERY_SECOND, { maxFailures: 3 }), {
      jobId: 'tick',
    });
    await env.clock.advance(4_000); // fail, succeed, fail, fail: 3 failures, 2 in a row
    expect(env.runs).toHaveLength(4);
    expect(job.status).toBe(JobStatus.SCHEDULED);
    await env.clock.advance(10_000); // the 5th run is the 3rd failure in a row
    expect(env.runs).toHaveLength(5);
    expect(job.status).toBe(JobStatus.PERMANENTLY_FAILED);
  });
});

describe('Cron startDate and misfire policy', () => {
  it('a future startDate is the first run, then the expression takes over', async () => {
    await using env = setup();
    await env.app.start();
    const startDate = new Date(START + 10 * 60_000); // 00:10, not a match of the expression
    const job = await env.tick.schedule().cron(new Cron('0 * * * *', { startDate }), {
      jobId: 'hourly',
    });
    expect(job.execAt).toEqual(startDate);
    await env.clock.advanceTo(startDate.getTime() - 1);
    expect(env.runs).toEqual([]);
    await env.clock.advance(1);
    expect(env.runs).toEqual([startDate.getTime()]);
    expect(iso(job.execAt.getTime())).toBe('2026-01-01T01:00:00.000Z');
  });

  // Now 00:01:05; every 10 s since a startDate of 00:00:30 (missed: :30, :40, :50, 01:00).
  const NOW = Date.parse('2026-01-01T00:01:05Z');
  const PAST_START = Date.parse('2026-01-01T00:00:30Z');
  async function occurrencesWith(misfirePolicy: Pick<CronOptions, 'misfirePolicy'>) {
    await using env = setup({ start: NOW });
    const seen: string[] = [];
    env.app.on('job.started', (event) => {
      const job = env.app.findJob(event.jobId);
      if (job) seen.push(iso(job.execAt.getTime()).slice(11, 19));
    });
    await env.app.start();
    const cron = new Cron('*/10 * * * * *', { startDate: PAST_START, ...misfirePolicy });
    await env.tick.schedule().cron(cron, { jobId: 'tick' });
    await env.clock.advance(0);
    const atOnce = [...seen];
    await env.clock.advanceTo(Date.parse('2026-01-01T00:01:10Z'));
    return { atOnce, all: seen, runs: env.runs.map((ms) => iso(ms).slice(11, 19)) };
  }

  it('ONCE runs once now, then follows the expression', async () => {
    const { atOnce, all, runs } = await occurrencesWith({ misfirePolicy: MisfirePolicy.ONCE });
    expect(atOnce).toEqual(['00:01:05']);
    expect(all).toEqual(['00:01:05', '00:01:10']);
    expect(runs).toEqual(['00:01:05', '00:01:10']);
  });

  it('ONCE is the default', async () => {
    const { runs } = await occurrencesWith({});
    expect(runs).toEqual(['00:01:05', '00:01:10']);
  });

  it('SKIP waits for the next match after now', async () => {
    const { atOnce, runs } = await occurrencesWith({ misfirePolicy: MisfirePolicy.SKIP });
    expect(atOnce).toEqual([]);
    expect(runs).toEqual(['00:01:10']);
  });

  it('ALL replays every missed occurrence back to back', async () => {
    const { atOnce, all, runs } = await occurrencesWith({ misfirePolicy: MisfirePolicy.ALL });
    expect(atOnce).toEqual(['00:00:30', '00:00:40', '00:00:50', '00:01:00']);
    expect(all).toEqual([...atOnce, '00:01:10']);
    expect(runs).toEqual(['00:01:05', '00:01:05', '00:01:05', '00:01:05', '00:01:10']);
  });

  it('grace(ms) replays only the occurrences inside the window', async () => {
    const narrow = await occurrencesWith({ misfirePolicy: MisfirePolicy.grace(20_000) });
    expect(narrow.atOnce).toEqual(['00:00:50', '00:01:00']);
    const wide = await occurrencesWith({ misfirePolicy: MisfirePolicy.grace(60_000) });
    expect(wide.atOnce).toEqual(['00:00:30', '00:00:40', '00:00:50', '00:01:00']);
  });
});

describe('Cron time zones', () => {
  it("reads the fields in the app's tz, DST included", async () => {
    for (const [day, fires] of [
      ['2026-01-10', '2026-01-10T13:00:00.000Z'], // EST, UTC-5
      ['2026-07-10', '2026-07-10T12:00:00.000Z'], // EDT, UTC-4
    ] as const) {
      await using env = setup({ start: Date.parse(`${day}T00:00:00Z`), tz: 'America/New_York' });
      await env.app.start();
      const job = await env.tick.schedule().cron('0 8 * * *', { jobId: 'morning' });
      expect(iso(job.execAt.getTime())).toBe(fires);
      await env.clock.advanceTo(Date.parse(fires));
      expect(env.runs.map(iso)).toEqual([fires]);
    }
  });

  it("a Cron's own tz overrides the app's", async () => {
    await using env = setup({ start: Date.parse('2026-01-10T00:00:00Z'), tz: 'America/New_York' });
    await env.app.start();
    const cron = new Cron('0 8 * * *', { tz: 'Europe/Berlin' });
    const job = await env.tick.schedule().cron(cron, { jobId: 'morning' });
    expect(iso(job.execAt.getTime())).toBe('2026-01-10T07:00:00.000Z');
  });
});

describe('the declarative `cron` task option', () => {
  it('is scheduled by start() as `cron:<full task name>` and runs', async () => {
    const clock = createSimulatedClock(START);
    await using app = createJobify({ clock, logger: false });
    const runs: number[] = [];
    const reports = createRouter({ prefix: 'reports' });
    reports.task(
      function daily() {
        runs.push(clock.now());
      },
      { cron: EVERY_SECOND },
    );
    app.includeRouter(reports);
    await app.start();
    const job = app.findJob('cron:reports:daily');
    expect(job?.isCron()).toBe(true);
    expect(job?.name).toBe('reports:daily');
    expect(app.getActiveJobs()).toHaveLength(1);
    await clock.advance(2_000);
    expect(runs).toEqual([START + 1_000, START + 2_000]);
  });

  it("calls the task with the Cron's args", async () => {
    const clock = createSimulatedClock(START);
    await using app = createJobify({ clock, logger: false });
    const calls: unknown[][] = [];
    app.task(
      function greet(name: string, times: number) {
        calls.push([name, times]);
      },
      { cron: new Cron(EVERY_SECOND, { args: ['Biba', 2], maxRuns: 1 }) },
    );
    await app.start();
    await clock.advance(1_000);
    expect(calls).toEqual([['Biba', 2]]);
  });
});

describe('replacing and validating a cron', () => {
  it('replace with a new expression keeps the same Job and follows the new expression', async () => {
    await using env = setup();
    await env.app.start();
    const first = await env.tick.schedule().cron('*/10 * * * * *', { jobId: 'tick' });
    const second = await env.tick
      .schedule()
      .cron('*/3 * * * * *', { jobId: 'tick', replace: true });
    expect(second).toBe(first);
    expect(first.cronExpression).toBe('*/3 * * * * *');
    expect(first.execAt).toEqual(new Date(START + 3_000));
    expect(env.app.getActiveJobs()).toHaveLength(1);
    await env.clock.advance(10_000);
    expect(env.runs).toEqual([START + 3_000, START + 6_000, START + 9_000]);
  });

  it('requires a jobId', async () => {
    await using env = setup();
    await env.app.start();
    const noId = {} as CronScheduleOptions;
    await expect(env.tick.schedule().cron(EVERY_SECOND, noId)).rejects.toThrow(/`jobId`/);
    await expect(
      env.tick.schedule().cron(EVERY_SECOND, undefined as unknown as CronScheduleOptions),
    ).rejects.toThrow(/`jobId`/);
    expect(env.app.getActiveJobs()).toEqual([]);
  });

  it('rejects an invalid expression with InvalidCronError naming it', async () => {
    await using env = setup();
    await env.app.start();
    expect(() => new Cron('61 * * * *')).toThrow(InvalidCronError);
    expect(() => new Cron('61 * * * *')).toThrow(/61 \* \* \* \*/);
    const error: unknown = await env.tick
      .schedule()
      .cron('61 * * * *', { jobId: 'bad' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCronError);
    expect((error as InvalidCronError).message).toContain("'61 * * * *'");
    expect(env.app.findJob('bad')).toBeUndefined();
  });
});
