/**
 * A tour of jobify in one script: a real scheduler on the default (memory) storage and the
 * system clock. It runs a delayed job, a cron job, a job that succeeds on its third
 * attempt, and a job that times out, prints every status change, then stops.
 *
 *   npm run demo        (builds the package, then runs this file with tsx)
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
} from 'jobify';

const startedAt = Date.now();
const since = (at: number = Date.now()) => `+${((at - startedAt) / 1000).toFixed(2)}s`;
const say = (line: string, at?: number) => console.log(`${since(at).padStart(7)}  ${line}`);

// App-level execution middleware: it wraps every attempt of every task, so it sees the
// retries too (each retry runs the whole pipeline again).
const attempts = new Map<string, number>();
const countAttempts: Middleware = async (ctx, next) => {
  attempts.set(ctx.job.name, (attempts.get(ctx.job.name) ?? 0) + 1);
  return next();
};

const app = createJobify({ logger: false, middleware: [countAttempts] });

// A router groups tasks under a prefix: its tasks are named `reports:<task>`.
const reports = createRouter({ prefix: 'reports', state: { format: 'pdf' } });

const generate = reports.task(async function generate(day: string, ctx = getJobContext()) {
  await sleep(100); // pretend to work
  return `${day}.${String(ctx.state.format)}`;
});

let ticks = 0;
const refreshDashboard = reports.task(async function refreshDashboard() {
  ticks += 1;
  await sleep(50);
  return ticks;
});

app.includeRouter(reports);

// Fails twice, then succeeds: the retry policy turns each failure into running → scheduled.
let syncCalls = 0;
const syncInventory = app.task(
  async function syncInventory(warehouse: string) {
    syncCalls += 1;
    await sleep(20); // the call to the warehouse
    if (syncCalls < 3) throw new Error(`${warehouse} did not answer (call ${syncCalls})`);
    return `${warehouse}: 42 items`;
  },
  { retry: new SmartRetry({ retries: 3, initialDelay: 300, jitter: false }) },
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

await app.start();

const delayed = await generate.schedule('2026-01-31').delay(1_500);
const cron = await refreshDashboard
  .schedule()
  .cron(new Cron('*/2 * * * * *', { maxRuns: 3 }), { jobId: 'dashboard' });
const flaky = await syncInventory.push('berlin');
const slow = await exportArchive.push('january');

say(`scheduled ${app.getActiveJobs().length} jobs; the cron first runs at ${since(+cron.execAt)}`);

// A cron job's wait() resolves after each run; loop until its last run (maxRuns) is done.
while (!cron.isDone()) await cron.wait();

/** The job's value, or the error `result()` rejects with. */
async function outcome(job: Job): Promise<string> {
  try {
    return `→ ${JSON.stringify(await job.result())}`;
  } catch (error) {
    return `→ throws ${error instanceof Error ? error.name : String(error)}`;
  }
}

const jobs: Job[] = [delayed, cron, flaky, slow];
const lines = await Promise.all(jobs.map(outcome));
await app.waitAll(5_000); // nothing should be left; this guards against a hang

console.log('\nsummary');
jobs.forEach((job, i) => {
  const tries = attempts.get(job.name) ?? 0;
  console.log(`  ${job.name.padEnd(26)} ${job.status.padEnd(8)} attempts=${tries}  ${lines[i]}`);
});

await app.stop();
console.log(`\nstopped after ${since()}`);
