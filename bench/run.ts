/**
 * The benchmark: every scenario against jobify (memory and Redis storage) and BullMQ, each
 * in a fresh child process, on the local Redis. Prints a Markdown table and writes
 * bench/results/latest.json (plus a timestamped copy) and bench/results/latency.svg.
 *
 *   npm run bench                 full sizes (about 10 minutes on 2 cores)
 *   npm run bench -- --quick      sizes divided by ~10 (under 2 minutes)
 *   npm run bench -- --only=throughput,cron   only these scenarios
 */
import { parseArgs } from './lib/args.js';
import { type ChildFailure, type ChildResult, runRepeated } from './lib/child.js';
import { describeMachine, writeResults } from './lib/output.js';
import { FULL, QUICK, planRuns } from './lib/plan.js';
import { BENCH_PREFIX, deleteKeys, openRedis } from './lib/redis.js';
import { benchName } from './lib/systems.js';
import { checkGoals, renderGoals } from './lib/goals.js';
import { defineRows, fillRows, renderTable } from './lib/table.js';

const args = parseArgs(process.argv.slice(2));
const quick = args.has('quick');
const only = args.get('only')?.split(',');
const sizes = quick ? QUICK : FULL;
const runId = Date.now().toString(36);
const runs = planRuns(sizes, benchName('restart', runId)).filter(
  (run) => !only || only.includes(run.scenario),
);

const redis = openRedis();
const machine = await describeMachine(redis);
const log = (line: string) => process.stderr.write(`${line}\n`);
log(`jobify bench (${quick ? 'quick' : 'full'}): ${runs.length} runs; ${JSON.stringify(machine)}`);

const results = new Map<string, ChildResult | ChildFailure>();
const startedAt = performance.now();
for (const run of runs) {
  const t0 = performance.now();
  const result = await runRepeated(run, runId);
  results.set(run.id, result);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  log(
    `${result.ok ? 'ok  ' : 'FAIL'} ${run.id.padEnd(36)} ${seconds.padStart(6)} s${result.ok ? '' : `  ${result.error}`}`,
  );
}
// Whatever a killed child left behind.
await deleteKeys(redis, `{${BENCH_PREFIX}-*-${runId}}:*`);
await deleteKeys(redis, `bull:${BENCH_PREFIX}-*-${runId}:*`);
redis.disconnect();

const rows = fillRows(defineRows(sizes), results);
const minutes = ((performance.now() - startedAt) / 60_000).toFixed(1);
const scale = quick ? 'QUICK mode: every N is scaled down ~10× from the full run. ' : '';
console.log(
  `\n${scale}${machine.cpus} cores, Node ${machine.node}, Redis ${machine.redis}; ${minutes} min.\n`,
);
console.log(renderTable(rows));
const goals = checkGoals(rows, sizes);
const goalNote = quick ? ' (quick sizes: for the goals, run the full bench)' : '';
console.log(`\nGoals${goalNote}:\n\n${renderGoals(goals)}`);
const written = writeResults({
  mode: quick ? 'quick' : 'full',
  machine,
  results,
  rows,
  goals,
  labels: {
    burst: `${sizes.delayed} due at one instant`,
    spread: `${sizes.delayed} over 2 s, ${sizes.waiting} waiting`,
  },
});
console.log(`\nWrote ${written.join(', ')}`);
process.exitCode = [...results.values()].some((r) => !r.ok) ? 1 : 0;
