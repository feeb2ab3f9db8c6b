/**
 * Throughput: N no-op jobs pushed and completed, from the first push to the last
 * completion (`jobsPerSec`), and until the last storage write is done (`settledJobsPerSec`:
 * jobify's `stop()` flushes the deletes of finished jobs; BullMQ's completion is already in
 * Redis). With `--work=yield` every task waits one turn of the event loop before it
 * returns, so it is still running when jobify's storage batch goes out: every job is then
 * written (as running) and deleted, where a no-op job that finishes in the tick it is due
 * is never written. Args: --system=jobify-memory|jobify-redis|bullmq --n=20000
 * --work=noop|yield.
 */
import { parseArgs, choiceArg, intArg } from '../lib/args.js';
import { addInChunks, openBull } from '../lib/bull.js';
import { deleteKeys, openRedis } from '../lib/redis.js';
import { runScenario } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { SYSTEMS, type System, benchName, createBenchApp, keyPattern } from '../lib/systems.js';
import { createCounter, withTimeout } from '../lib/time.js';

const args = parseArgs(process.argv.slice(2));
const system = choiceArg(args, 'system', SYSTEMS);
const n = intArg(args, 'n', 20_000);
const work = choiceArg(args, 'work', ['noop', 'yield'] as const);
/** The task body of both systems: nothing, or one turn of the event loop. */
const task = work === 'noop' ? () => Promise.resolve() : () => new Promise((r) => setImmediate(r));
const WAIT_MS = 120_000;
const BULL_CONCURRENCY = 50;

async function runJobify(target: Exclude<System, 'bullmq'>, name: string) {
  const app = createBenchApp(target, name);
  let ran = 0;
  const noop = app.task(async function noop(_i: number) {
    ran += 1;
    return task();
  });
  await app.start();
  const startedAt = performance.now();
  const pushes: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) pushes.push(noop.push(i));
  await withTimeout(Promise.all(pushes), WAIT_MS, 'every push accepted');
  const pushedMs = performance.now() - startedAt;
  await app.waitAll(WAIT_MS);
  const elapsedMs = performance.now() - startedAt;
  await app.stop(); // waits for the last storage writes
  const settledMs = performance.now() - startedAt;
  if (ran !== n) throw new Error(`expected ${n} runs, saw ${ran}`);
  return { pushedMs, elapsedMs, settledMs };
}

async function runBull(name: string) {
  const completed = createCounter();
  const bull = await openBull(name, task, BULL_CONCURRENCY);
  bull.worker.on('completed', () => completed.bump());
  try {
    const startedAt = performance.now();
    await addInChunks(bull.queue, n, 1000, (i) => ({ name: 'noop', data: { i } }));
    const pushedMs = performance.now() - startedAt;
    await withTimeout(completed.reached(n), WAIT_MS, `${n} jobs completed`);
    const elapsedMs = performance.now() - startedAt;
    const counted = await bull.queue.getCompletedCount();
    if (counted < n) throw new Error(`worker saw ${n} completions, the queue counts ${counted}`);
    return { pushedMs, elapsedMs, settledMs: elapsedMs };
  } finally {
    await bull.close();
  }
}

await runScenario(WAIT_MS * 2, async () => {
  const name = benchName('throughput');
  const redis = openRedis();
  try {
    await deleteKeys(redis, keyPattern(system, name));
    const timing = system === 'bullmq' ? await runBull(name) : await runJobify(system, name);
    return {
      scenario: 'throughput',
      system,
      n,
      work,
      pushedMs: round(timing.pushedMs),
      elapsedMs: round(timing.elapsedMs),
      settledMs: round(timing.settledMs),
      jobsPerSec: round(n / (timing.elapsedMs / 1000), 0),
      settledJobsPerSec: round(n / (timing.settledMs / 1000), 0),
    };
  } finally {
    await deleteKeys(redis, keyPattern(system, name));
    redis.disconnect();
  }
});
