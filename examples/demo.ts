/**
 * A tour of jobify in one script: a real scheduler on the system clock. It runs a cron job,
 * a job that succeeds on its third attempt, a job that times out and a slow report, prints
 * every status change, then stops by itself after about five seconds.
 *
 *   npm run demo                                           (memory storage, the default)
 *   JOBIFY_REDIS_URL=redis://127.0.0.1:6379 npm run demo   (Redis storage)
 *
 * It can be resumed: every job has a fixed id, and Ctrl-C stops the app cleanly, so durable
 * jobs stay stored. With Redis, run it again and it finishes what was left: the jobs come
 * back as they were, and a run that was interrupted runs again with `ctx.recovered`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cron,
  type Job,
  type Middleware,
  SmartRetry,
  createJobify,
  createRouter,
  getJobContext,
  memoryStorage,
  redisStorage,
} from 'jobify';

const startedAt = Date.now();
const since = (at: number = Date.now()) => `+${((at - startedAt) / 1000).toFixed(2)}s`;
const say = (line: string, at?: number) => console.log(`${since(at).padStart(7)}  ${line}`);

// Ctrl-C (SIGINT) or SIGTERM: noted here, handled below by a clean app.stop().
const interrupted = new Promise<NodeJS.Signals>((resolve) => {
  process.on('SIGINT', resolve);
  process.on('SIGTERM', resolve);
});

// Redis keeps jobs across processes; memory storage keeps them only within this one.
const redisUrl = process.env.JOBIFY_REDIS_URL;
const storage = redisUrl
  ? redisStorage({ url: redisUrl, namespace: 'jobify-demo' })
  : memoryStorage();

// App-level execution middleware wraps every attempt of every task. `ctx.recovered` is true
// for a run that was in flight when the previous process stopped, and so runs again.
const noteRecovered: Middleware = async (ctx, next) => {
  if (ctx.recovered) say(`  ↺ ${ctx.job.name} runs again (ctx.recovered): it was interrupted`);
  return next();
};

const app = createJobify({ logger: false, storage, middleware: [noteRecovered] });

// A router groups tasks under a prefix: its tasks are named `reports:<task>`.
const reports = createRouter({ prefix: 'reports', state: { format: 'pdf' } });

// Slow: 2.5 s of work that honours ctx.signal, so app.stop() can interrupt it.
const generate = reports.task(async function generate(day: string, ctx = getJobContext()) {
  await sleep(2_500, undefined, { signal: ctx.signal });
  return `${day}.${String(ctx.state.format)}`;
});

const refreshDashboard = reports.task(async function refreshDashboard() {
  await sleep(50);
  return `refreshed at ${new Date().toISOString().slice(11, 19)}`;
});

app.includeRouter(reports);

// Fails on attempts 1 and 2: the retry policy turns each failure into running → scheduled,
// a persisted transition, so a pending retry survives a restart.
const syncInventory = app.task(
  async function syncInventory(warehouse: string, ctx = getJobContext()) {
    await sleep(20); // the call to the warehouse
    if (ctx.attempt < 3) throw new Error(`${warehouse} did not answer (attempt ${ctx.attempt})`);
    return `${warehouse}: 42 items`;
  },
  { retry: new SmartRetry({ retries: 3, initialDelay: 1_000, jitter: false }) },
);

// Takes 2 s but is allowed 500 ms. It honours ctx.signal, so the wait really stops.
const exportArchive = app.task(
  async function exportArchive(name: string, ctx = getJobContext()) {
    try {
      await sleep(2_000, undefined, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) say('  exportArchive saw ctx.signal abort and stopped waiting');
      throw error;
    }
    return `${name}.zip`;
  },
  { timeout: 500 },
);

app.on('job.transition', (e) => {
  say(`${e.name.padEnd(26)} ${e.from} → ${e.to}`, e.at.getTime());
});
app.on('job.retrying', (e) => {
  say(`  ↻ ${e.name}: ${e.error.message}; attempt ${e.attempt} at ${since(+e.execAt)}`);
});
app.on('job.failed', (e) => say(`  ✗ ${e.name} failed: ${e.error.message}`));
app.on('job.timeout', (e) => say(`  ⏱ ${e.name}: ${e.error.message}`));

await app.start(); // restores whatever storage kept

// If storage brought jobs back, this run resumes an interrupted one, and a job that is
// missing has finished in it.
const restored = app.getActiveJobs();
for (const job of restored) {
  say(`restored ${job.id.padEnd(17)} ${job.status}, attempt ${job.attempt}`);
}

/** The restored job with this id, else (on a fresh run) a newly scheduled one. */
async function resume(id: string, schedule: (jobId: string) => Promise<Job>) {
  return app.findJob(id) ?? (restored.length > 0 ? undefined : await schedule(id));
}

// Fixed ids throughout: push() always makes a new id, so `delay(0, { jobId })` runs now.
const jobs: Record<string, Job | undefined> = {
  'report-2026-01-31': await resume('report-2026-01-31', (jobId) =>
    generate.schedule('2026-01-31').delay(500, { jobId }),
  ),
  dashboard: await resume('dashboard', (jobId) =>
    refreshDashboard.schedule().cron(new Cron('*/2 * * * * *', { maxRuns: 3 }), { jobId }),
  ),
  'sync-berlin': await resume('sync-berlin', (jobId) =>
    syncInventory.schedule('berlin').delay(0, { jobId }),
  ),
  'export-january': await resume('export-january', (jobId) =>
    exportArchive.schedule('january').delay(0, { jobId }),
  ),
};
say(`${app.getActiveJobs().length} jobs live; Ctrl-C stops, and the next run resumes`);

const signal = await Promise.race([app.waitAll(20_000).then(() => undefined), interrupted]);
if (signal) {
  say(`${signal}: stopping; unfinished jobs stay in storage`);
  await app.stop(); // aborts ctx.signal of running attempts and waits for them
  console.log(`\nstopped after ${since()}${redisUrl ? '; run again to finish the rest' : ''}`);
  process.exit(0);
}

/** The job's value, or the error `result()` rejects with. */
async function outcome(job: Job | undefined): Promise<string> {
  if (!job) return 'finished in an earlier run';
  try {
    return `${job.status.padEnd(8)} → ${JSON.stringify(await job.result())}`;
  } catch (error) {
    return `${job.status.padEnd(8)} → throws ${error instanceof Error ? error.name : String(error)}`;
  }
}

console.log('\nsummary');
for (const [id, job] of Object.entries(jobs))
  console.log(`  ${id.padEnd(18)} ${await outcome(job)}`);

await app.stop();
console.log(`\nstopped after ${since()}`);
