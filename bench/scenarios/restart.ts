/**
 * Restart: `--phase=seed` stores N jobs a day ahead in a Redis namespace and stops;
 * `--phase=start` (a fresh process) times a new app's `start()` until every stored job is
 * scheduled again, then deletes the namespace. Args: --phase --n=100000 --namespace=<name>.
 */
import { pino } from 'pino';
import { redisStorage } from '../../src/index.js';
import { parseArgs, choiceArg, intArg, stringArg } from '../lib/args.js';
import { deleteKeys, openRedis } from '../lib/redis.js';
import { runScenario } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { FAR_FUTURE_MS, createBenchApp, keyPattern } from '../lib/systems.js';
import { inSlices, withTimeout } from '../lib/time.js';

const args = parseArgs(process.argv.slice(2));
const phase = choiceArg(args, 'phase', ['seed', 'start'] as const);
const n = intArg(args, 'n', 100_000);
const namespace = stringArg(args, 'namespace');
const PHASE_MS = 240_000;

function benchApp() {
  const app = createBenchApp('jobify-redis', namespace);
  const idle = app.task(function idle() {});
  return { app, idle };
}

async function seed() {
  const { app, idle } = benchApp();
  await app.start();
  const startedAt = performance.now();
  await inSlices(n, 10_000, () => idle.schedule().delay(FAR_FUTURE_MS));
  await app.stop();
  return { seedMs: round(performance.now() - startedAt) };
}

/** `load()` alone, through the public Storage interface: the Redis share of a start. */
async function timeLoad(): Promise<number> {
  const storage = redisStorage();
  await storage.open({ namespace, logger: pino({ enabled: false }) });
  try {
    const startedAt = performance.now();
    const jobs = await storage.load();
    if (jobs.length !== n) throw new Error(`load() returned ${jobs.length} of ${n} jobs`);
    return performance.now() - startedAt;
  } finally {
    await storage.close();
  }
}

async function start() {
  const { app } = benchApp();
  const startedAt = performance.now();
  await withTimeout(app.start(), PHASE_MS, `start() with ${n} stored jobs`);
  const startMs = performance.now() - startedAt;
  const live = app.getActiveJobs().length;
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  await app.stop();
  if (live !== n) throw new Error(`expected ${n} jobs scheduled again, found ${live}`);
  const loadMs = await timeLoad();
  return { startMs: round(startMs), loadMs: round(loadMs), heapUsedMb: round(heapMb, 1) };
}

await runScenario(PHASE_MS * 2, async () => {
  const redis = openRedis();
  const pattern = keyPattern('jobify-redis', namespace);
  try {
    if (phase === 'seed') await deleteKeys(redis, pattern);
    const figures = phase === 'seed' ? await seed() : await start();
    return { scenario: 'restart', system: 'jobify-redis', phase, n, ...figures };
  } finally {
    if (phase === 'start') await deleteKeys(redis, pattern);
    redis.disconnect();
  }
});
