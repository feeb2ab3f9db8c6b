import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ROOT } from './child.js';
import type { ChildFailure, ChildResult } from './child.js';
import type { GoalResult } from './goals.js';
import type { FilledRow } from './table.js';
import { renderCdfSvg, type Series } from './svg.js';

/** Where results go. */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** The machine a run was measured on. */
export async function describeMachine(redis: Redis): Promise<Record<string, string | number>> {
  const info = await redis.info('server');
  const redisVersion = /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown';
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    redis: redisVersion,
  };
}

/** The lateness samples of one delayed scenario, one series per system. */
function latenessSeries(
  results: ReadonlyMap<string, ChildResult | ChildFailure>,
  id: string,
): Series[] {
  return (['jobify-memory', 'jobify-redis', 'bullmq'] as const).map((system) => {
    const result = results.get(`${id}/${system}`);
    const samples = result?.ok && Array.isArray(result.samples) ? (result.samples as number[]) : [];
    return { label: system, samples };
  });
}

/** Writes latest.json, a timestamped copy, and latency.svg; returns the paths written. */
export function writeResults(report: {
  readonly mode: 'quick' | 'full';
  readonly machine: Record<string, string | number>;
  readonly results: ReadonlyMap<string, ChildResult | ChildFailure>;
  readonly rows: readonly FilledRow[];
  readonly goals: readonly GoalResult[];
  readonly labels: { readonly burst: string; readonly spread: string };
}): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const at = new Date().toISOString();
  const json = JSON.stringify(
    {
      at,
      mode: report.mode,
      machine: report.machine,
      rows: report.rows.map(({ figure, better, values }) => ({ figure, better, values })),
      goals: report.goals,
      runs: Object.fromEntries(report.results),
    },
    null,
    2,
  );
  const latest = join(RESULTS_DIR, 'latest.json');
  const stamped = join(RESULTS_DIR, `${at.replace(/[:.]/g, '-')}-${report.mode}.json`);
  const svg = join(RESULTS_DIR, 'latency.svg');
  writeFileSync(latest, json);
  writeFileSync(stamped, json);
  const panels = [
    { title: report.labels.burst, series: latenessSeries(report.results, 'delayed-burst') },
    { title: report.labels.spread, series: latenessSeries(report.results, 'delayed-spread') },
  ];
  writeFileSync(svg, renderCdfSvg(panels));
  return [latest, stamped, svg];
}
