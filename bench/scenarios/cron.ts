/**
 * Cron: N schedules firing every second, measured over `--seconds` whole seconds once
 * they all fire: process CPU (user + system, `process.cpuUsage`) and Redis server CPU per
 * fire, fires per second, and how late each fire started (BullMQ's `every` counts from
 * when the scheduler was made, so its due time is read from the job id).
 * Args: --system=jobify-memory|jobify-redis|bullmq --n=10000 --seconds=5.
 */
import { parseArgs, choiceArg, intArg } from '../lib/args.js';
import { openBull } from '../lib/bull.js';
import { deleteKeys, openRedis, serverCpuSeconds } from '../lib/redis.js';
import { runScenario } from '../lib/report.js';
import { round, summarize } from '../lib/stats.js';
import { SYSTEMS, type System, benchName, createBenchApp, keyPattern } from '../lib/systems.js';
import { createCounter, inSlices, nowMs, sleep, withTimeout } from '../lib/time.js';

const args = parseArgs(process.argv.slice(2));
const system = choiceArg(args, 'system', SYSTEMS);
const n = intArg(args, 'n', 10_000);
const seconds = intArg(args, 'seconds', 5);
const SETUP_MS = 120_000;

const fires = createCounter();
let lateness: number[] = [];
/** Counts a fire; `due` defaults to the whole second, when '* * * * * *' is due. */
function fire(due?: number): void {
  const now = nowMs();
  fires.bump();
  lateness.push(due === undefined ? now % 1000 : now - due);
}

/** A scheduler's job id is `repeat:<scheduler id>:<due epoch ms>`. */
function dueOf(jobId: string | undefined): number {
  const due = Number(jobId?.slice(jobId.lastIndexOf(':') + 1));
  if (!Number.isFinite(due)) throw new Error(`cannot read the due time of job '${jobId}'`);
  return due;
}

/** Schedules every cron, then returns the function that stops them. */
async function startJobify(target: Exclude<System, 'bullmq'>, name: string) {
  const app = createBenchApp(target, name);
  const beat = app.task(function beat() {
    fire();
  });
  await app.start();
  await inSlices(n, 1_000, (i) => beat.schedule().cron('* * * * * *', { jobId: `beat-${i}` }));
  return () => app.stop();
}

async function startBull(name: string) {
  const bull = await openBull(name, (job) => Promise.resolve(fire(dueOf(job.id))), 50);
  const template = { name: 'beat', data: {}, opts: { removeOnComplete: true } };
  await inSlices(n, 1_000, (i) =>
    bull.queue.upsertJobScheduler(`beat-${i}`, { every: 1000 }, template),
  );
  return () => bull.close();
}

async function measure() {
  // Wait for one full round, then start on the middle of a second.
  await withTimeout(fires.reached(fires.value + n), SETUP_MS, `a first round of ${n} fires`);
  await sleep(1500 - (Date.now() % 1000));
  const redis = openRedis();
  try {
    const [cpu0, redis0, fires0] = [process.cpuUsage(), await serverCpuSeconds(redis), fires.value];
    lateness = [];
    await sleep(seconds * 1000);
    const [cpu1, redis1, fired] = [
      process.cpuUsage(cpu0),
      await serverCpuSeconds(redis),
      fires.value - fires0,
    ];
    if (fired === 0) throw new Error('nothing fired in the measuring window');
    const late = summarize(lateness);
    return {
      fires: fired,
      firesPerSec: round(fired / seconds, 0),
      cpuUsPerFire: round((cpu1.user + cpu1.system) / fired, 1),
      redisCpuUsPerFire: round(((redis1 - redis0) * 1e6) / fired, 1),
      latenessMs: { p50: round(late.p50), p99: round(late.p99), max: round(late.max) },
    };
  } finally {
    redis.disconnect();
  }
}

await runScenario(SETUP_MS * 2 + seconds * 1000, async () => {
  const name = benchName('cron');
  const redis = openRedis();
  try {
    await deleteKeys(redis, keyPattern(system, name));
    const stop = system === 'bullmq' ? await startBull(name) : await startJobify(system, name);
    try {
      return { scenario: 'cron', system, n, seconds, ...(await measure()) };
    } finally {
      await stop();
    }
  } finally {
    await deleteKeys(redis, keyPattern(system, name));
    redis.disconnect();
  }
});
