/**
 * Delayed accuracy: N jobs due `--lead` ms ahead, all at one instant (`--spread=0`) or
 * spread evenly over `--spread` ms, while `--waiting` other jobs wait a day ahead.
 * Lateness = when the task starts − when it was due. Args: --system --n --spread --waiting.
 */
import { parseArgs, choiceArg, intArg } from '../lib/args.js';
import { addInChunks, openBull } from '../lib/bull.js';
import { deleteKeys, openRedis } from '../lib/redis.js';
import { runScenario } from '../lib/report.js';
import { round, summarize } from '../lib/stats.js';
import {
  FAR_FUTURE_MS,
  SYSTEMS,
  type System,
  benchName,
  createBenchApp,
  keyPattern,
} from '../lib/systems.js';
import { createCounter, inSlices, nowMs, sleep, withTimeout } from '../lib/time.js';

const args = parseArgs(process.argv.slice(2));
const system = choiceArg(args, 'system', SYSTEMS);
const n = intArg(args, 'n', 2_000);
const spreadMs = intArg(args, 'spread', 0);
const waiting = intArg(args, 'waiting', 0);
const leadMs = intArg(args, 'lead', 2_000);
const SETUP_MS = 120_000;
const BULL_CONCURRENCY = 50;

const lateness: number[] = [];
const ran = createCounter();
const dueAt = (start: number, i: number) => start + (spreadMs * i) / n;
/** Bounds the wait for the last due job: the lead, the spread, and generous slack. */
const runWaitMs = () => leadMs + spreadMs + 30_000;

function record(due: number): void {
  lateness.push(nowMs() - due);
  ran.bump();
}

async function runJobify(target: Exclude<System, 'bullmq'>, name: string): Promise<void> {
  const app = createBenchApp(target, name);
  const tick = app.task(function tick(due: number) {
    record(due);
  });
  const idle = app.task(function idle() {});
  await app.start();
  try {
    await withTimeout(
      inSlices(waiting, 10_000, () => idle.schedule().delay(FAR_FUTURE_MS)),
      SETUP_MS,
      `${waiting} waiting jobs scheduled`,
    );
    await sleep(500); // let the storage writes of the waiting jobs go out first
    const start = Math.ceil(Date.now() + leadMs);
    await inSlices(n, 1_000, (i) => tick.schedule(dueAt(start, i)).at(dueAt(start, i)));
    await withTimeout(ran.reached(n), runWaitMs(), `${n} delayed jobs ran`);
  } finally {
    await app.stop();
  }
}

async function runBull(name: string): Promise<void> {
  const bull = await openBull(
    name,
    (job) => {
      record((job.data as { due: number }).due);
      return Promise.resolve();
    },
    BULL_CONCURRENCY,
  );
  try {
    const far = Date.now() + FAR_FUTURE_MS;
    const addFar = () => addInChunks(bull.queue, waiting, 1000, () => idleJob(far));
    await withTimeout(addFar(), SETUP_MS, `${waiting} waiting jobs added`);
    await sleep(500);
    const start = Math.ceil(Date.now() + leadMs);
    await addInChunks(bull.queue, n, 1000, (i) => delayedJob(dueAt(start, i)));
    await withTimeout(ran.reached(n), runWaitMs(), `${n} delayed jobs ran`);
  } finally {
    await bull.close();
  }
}

/** BullMQ's due time is `timestamp + delay`; setting both makes it exactly `due`. */
function delayedJob(due: number) {
  const timestamp = Date.now();
  return { name: 'tick', data: { due }, opts: { timestamp, delay: due - timestamp } };
}

function idleJob(due: number) {
  const timestamp = Date.now();
  return { name: 'idle', data: { due }, opts: { timestamp, delay: due - timestamp } };
}

await runScenario(SETUP_MS * 2 + runWaitMs(), async () => {
  const name = benchName('delayed');
  const redis = openRedis();
  try {
    await deleteKeys(redis, keyPattern(system, name));
    if (system === 'bullmq') await runBull(name);
    else await runJobify(system, name);
    const stats = summarize(lateness);
    return {
      scenario: 'delayed',
      system,
      n,
      spreadMs,
      waiting,
      latenessMs: { p50: round(stats.p50), p99: round(stats.p99), max: round(stats.max) },
      samples: lateness.map((value) => round(value, 2)),
    };
  } finally {
    await deleteKeys(redis, keyPattern(system, name));
    redis.disconnect();
  }
});
