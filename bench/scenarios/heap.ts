/**
 * Heap per waiting job: `heapUsed` (after full GCs) before and after scheduling N jobs a
 * day ahead on a jobify app with memory storage, or with `--storage=false`. Run with
 * `node --expose-gc`. Args: --n=100000 --storage=memory|false [--snapshot-dir=<dir>]
 * (writes heap snapshots before and after, for bench/profile).
 */
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { createJobify, memoryStorage } from '../../src/index.js';
import { parseArgs, choiceArg, intArg } from '../lib/args.js';
import { collectGarbage, runScenario } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { FAR_FUTURE_MS } from '../lib/systems.js';
import { inSlices, sleep } from '../lib/time.js';

const args = parseArgs(process.argv.slice(2));
const n = intArg(args, 'n', 100_000);
const storage = choiceArg(args, 'storage', ['memory', 'false'] as const);
const snapshotDir = args.get('snapshot-dir');
const DEADLINE_MS = 600_000;

function measure(label: string): NodeJS.MemoryUsage {
  collectGarbage();
  if (snapshotDir) writeHeapSnapshot(join(snapshotDir, `heap-${label}.heapsnapshot`));
  return process.memoryUsage();
}

await runScenario(DEADLINE_MS, async () => {
  const app = createJobify({
    logger: false,
    storage: storage === 'memory' ? memoryStorage() : false,
  });
  const idle = app.task(function idle() {});
  await app.start();
  // Warm up the scheduling path, so compiled code and caches are not counted per job.
  await inSlices(1_000, 1_000, async (i) =>
    (await idle.schedule().delay(1, { jobId: `w${i}` })).wait(),
  );
  await app.waitAll(10_000);
  const before = measure('before');
  const startedAt = performance.now();
  const due = Date.now() + FAR_FUTURE_MS;
  await inSlices(n, 10_000, () => idle.schedule().at(due));
  const scheduleMs = performance.now() - startedAt;
  await sleep(100); // the last storage batch goes out on setImmediate
  const after = measure('after');
  const live = app.getActiveJobs().length;
  if (live !== n) throw new Error(`expected ${n} live jobs, found ${live}`);
  const perJob = (key: keyof NodeJS.MemoryUsage) => round((after[key] - before[key]) / n, 1);
  await app.stop();
  return {
    scenario: 'heap',
    system: 'jobify-memory',
    storage,
    n,
    scheduleMs: round(scheduleMs),
    heapBytesPerJob: perJob('heapUsed'),
    externalBytesPerJob: perJob('external'),
    arrayBufferBytesPerJob: perJob('arrayBuffers'),
    rssBytesPerJob: perJob('rss'),
    heapUsedAfterMb: round(after.heapUsed / 2 ** 20, 1),
  };
});
