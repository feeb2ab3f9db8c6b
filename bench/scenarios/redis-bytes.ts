/**
 * Redis bytes per stored job: N jobs a day ahead, stored by jobify (Redis storage) or
 * added to BullMQ as delayed jobs. Two measures: `MEMORY USAGE … SAMPLES 0` summed over
 * the run's keys (exact, unaffected by other clients), and the `used_memory` delta of the
 * server (includes allocator slack; noisy when others use the server).
 * Args: --system=jobify-redis|bullmq --n=100000.
 */
import type { Redis } from 'ioredis';
import { parseArgs, choiceArg, intArg } from '../lib/args.js';
import { addInChunks, openBull } from '../lib/bull.js';
import { deleteKeys, keysFootprint, openRedis, usedMemory } from '../lib/redis.js';
import { runScenario } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { FAR_FUTURE_MS, benchName, createBenchApp, keyPattern } from '../lib/systems.js';
import { inSlices, withTimeout } from '../lib/time.js';

const args = parseArgs(process.argv.slice(2));
const system = choiceArg(args, 'system', ['jobify-redis', 'bullmq'] as const);
const n = intArg(args, 'n', 100_000);
const STORE_MS = 240_000;

async function storeJobify(name: string): Promise<void> {
  const app = createBenchApp('jobify-redis', name);
  const idle = app.task(function idle() {});
  await app.start();
  try {
    await inSlices(n, 10_000, () => idle.schedule().delay(FAR_FUTURE_MS));
  } finally {
    await app.stop(); // writes what is queued; the jobs stay stored
  }
}

async function storeBull(name: string): Promise<void> {
  // A queue without a worker: delayed jobs only wait.
  const bull = await openBull(name, () => Promise.resolve(), 1);
  await bull.worker.close();
  try {
    await addInChunks(bull.queue, n, 1000, (i) => ({
      name: 'idle',
      data: { i },
      opts: { delay: FAR_FUTURE_MS },
    }));
  } finally {
    await bull.queue.close();
  }
}

async function measure(redis: Redis, name: string) {
  const pattern = keyPattern(system, name);
  const before = await usedMemory(redis);
  const store = system === 'bullmq' ? storeBull(name) : storeJobify(name);
  await withTimeout(store, STORE_MS, `${n} jobs stored`);
  const after = await usedMemory(redis);
  const footprint = await keysFootprint(redis, pattern);
  return {
    keys: footprint.keys,
    bytesPerJob: round(footprint.bytes / n, 1),
    bytesPerJobByKey: Object.fromEntries(
      Object.entries(footprint.groups).map(([group, bytes]) => [group, round(bytes / n, 1)]),
    ),
    usedMemoryBytesPerJob: round((after - before) / n, 1),
  };
}

await runScenario(STORE_MS * 2, async () => {
  const name = benchName('bytes');
  const redis = openRedis();
  try {
    await deleteKeys(redis, keyPattern(system, name));
    return { scenario: 'redis-bytes', system, n, ...(await measure(redis, name)) };
  } finally {
    await deleteKeys(redis, keyPattern(system, name));
    redis.disconnect();
  }
});
