/**
 * Profiles jobify where the bench shows gaps: CPU (`node --cpu-prof`) of the throughput
 * scenarios (no-op jobs on memory storage; jobs that are each stored, on memory and Redis
 * storage), of scheduling waiting jobs and of a restart; and
 * heap snapshots before and after scheduling waiting jobs, summed by kind per job.
 * Profiles go to a temporary folder; the summary is printed as Markdown and written to
 * bench/results/profile.json.
 *
 *   npx tsx bench/profile.ts [--quick]
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from './lib/args.js';
import { runChild } from './lib/child.js';
import { type SelfTime, summarizeCpuProfile } from './lib/cpu-profile.js';
import { heapByKind, perJobByKind } from './lib/heap-snapshot.js';
import { RESULTS_DIR } from './lib/output.js';
import type { PlannedRun } from './lib/plan.js';
import { benchName } from './lib/systems.js';

const quick = parseArgs(process.argv.slice(2)).has('quick');
/** Waiting jobs and restarts are profiled at 100k; throughput at the bench's own size. */
const n = quick ? 20_000 : 100_000;
const pushes = quick ? 2_000 : 20_000;
const snapshotJobs = quick ? 2_000 : 10_000;
const dir = mkdtempSync(join(tmpdir(), 'jobify-bench-profile-'));
const runId = Date.now().toString(36);
const restartNs = `--namespace=${benchName('profile-restart', runId)}`;
const GC = ['--expose-gc', '--max-old-space-size=8192'];

type ProfiledRun = PlannedRun & { profile?: { startAt: string } };

/** A run under `--cpu-prof`; `startAt` drops the samples before that function first runs. */
function profiled(id: string, scenario: string, args: string[], startAt?: string): ProfiledRun {
  const flags = startAt ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, id)}`] : [];
  const nodeFlags = scenario === 'heap' ? [...GC, ...flags] : flags;
  const run = {
    id,
    scenario,
    system: 'jobify-memory',
    args,
    nodeFlags,
    timeoutMs: 300_000,
  } as const;
  return startAt ? { ...run, profile: { startAt } } : run;
}

const runs: ProfiledRun[] = [
  profiled(
    'throughput-memory',
    'throughput',
    ['--system=jobify-memory', `--n=${pushes}`, '--work=noop'],
    'scheduleJob',
  ),
  profiled(
    'throughput-stored-memory',
    'throughput',
    ['--system=jobify-memory', `--n=${pushes}`, '--work=yield'],
    'scheduleJob',
  ),
  profiled(
    'throughput-stored-redis',
    'throughput',
    ['--system=jobify-redis', `--n=${pushes}`, '--work=yield'],
    'scheduleJob',
  ),
  profiled('schedule-waiting', 'heap', [`--n=${n}`, '--storage=false'], 'scheduleJob'),
  profiled('restart-seed', 'restart', ['--phase=seed', `--n=${n}`, restartNs]),
  profiled('restart-start', 'restart', ['--phase=start', `--n=${n}`, restartNs], 'runStart'),
  profiled('heap-snapshots', 'heap', [
    `--n=${snapshotJobs}`,
    '--storage=memory',
    `--snapshot-dir=${dir}`,
  ]),
];

function printCpu(title: string, busyMs: number, functions: SelfTime[], places: SelfTime[]): void {
  console.log(`\n## ${title} (busy ${busyMs} ms)\n`);
  console.log('| self % | self ms | function |\n| ---: | ---: | --- |');
  for (const f of functions) console.log(`| ${f.percent} | ${f.ms} | ${f.name} |`);
  console.log('\n| self % | where |\n| ---: | --- |');
  for (const p of places.slice(0, 8)) console.log(`| ${p.percent} | ${p.name} |`);
}

function printHeap(): unknown {
  const before = heapByKind(join(dir, 'heap-before.heapsnapshot'));
  const after = heapByKind(join(dir, 'heap-after.heapsnapshot'));
  const kinds = perJobByKind(before, after, snapshotJobs, 30);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`\n## heap per waiting job by kind (memoryStorage, ${snapshotJobs} jobs)\n`);
  console.log('| bytes/job | kind |\n| ---: | --- |');
  for (const { kind, bytes } of kinds) console.log(`| ${bytes} | ${kind} |`);
  console.log(`\nall kinds: ${Math.round((sum(after) - sum(before)) / snapshotJobs)} B/job`);
  return kinds;
}

const summary: Record<string, unknown> = { n, pushes, snapshotJobs, profilesIn: dir };
for (const run of runs) {
  const result = await runChild(run, runId);
  if (!result.ok) throw new Error(`${run.id} failed: ${result.error}`);
  if (!run.profile) continue;
  const folder = join(dir, run.id);
  const file = readdirSync(folder).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${folder}`);
  const cpu = summarizeCpuProfile(join(folder, file), 15, run.profile.startAt);
  summary[run.id] = { result, ...cpu };
  const size = run.scenario === 'throughput' ? pushes : n;
  printCpu(`${run.id}, n=${size}`, cpu.busyMs, cpu.functions, cpu.places);
}
summary.heapPerJobByKind = printHeap();
writeFileSync(join(RESULTS_DIR, 'profile.json'), JSON.stringify(summary, null, 2));
