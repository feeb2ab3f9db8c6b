import type { ChildFailure, ChildResult } from './child.js';
import type { Sizes } from './plan.js';

type Outcome = ChildResult | ChildFailure;
type Column = 'jobify-memory' | 'jobify-redis' | 'bullmq';

/** Where a cell's number comes from: a run id and a path into its JSON result. */
type Source = readonly [runId: string, path: string];

/** One figure of the table. */
export interface Row {
  readonly figure: string;
  readonly better: 'higher' | 'lower';
  readonly cells: Partial<Record<Column, Source>>;
}

/** A row with its numbers filled in (undefined: not measured; NaN: the run failed). */
export interface FilledRow extends Row {
  readonly values: Partial<Record<Column, number>>;
}

const k = (n: number) =>
  n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);

function each(id: string, path: string): Partial<Record<Column, Source>> {
  return {
    'jobify-memory': [`${id}/jobify-memory`, path],
    'jobify-redis': [`${id}/jobify-redis`, path],
    bullmq: [`${id}/bullmq`, path],
  };
}

function latenessRows(id: string, title: string): Row[] {
  return (['p50', 'p99', 'max'] as const).map((p) => ({
    figure: `${title}: lateness ${p} (ms)`,
    better: 'lower',
    cells: each(id, `latenessMs.${p}`),
  }));
}

function heapRows(n: number): Row[] {
  return [
    ['memory', 'memoryStorage, heap'],
    ['memory', 'memoryStorage, off-heap packed copies'],
    ['false', 'storage: false, heap'],
  ].map(([storage, what], index) => ({
    figure: `heap per waiting job @${k(n)} — ${what} (B)`,
    better: 'lower',
    cells: {
      'jobify-memory': [
        `heap-${n}-${storage}/jobify-memory`,
        index === 1 ? 'arrayBufferBytesPerJob' : 'heapBytesPerJob',
      ],
    },
  }));
}

const row = (figure: string, better: Row['better'], cells: Row['cells']): Row => ({
  figure,
  better,
  cells,
});

function redisRows(sizes: Sizes): Row[] {
  const bytes = (path: string) => ({
    'jobify-redis': ['redis-bytes/jobify-redis', path] as const,
    bullmq: ['redis-bytes/bullmq', path] as const,
  });
  const restart = (path: string) => ({
    'jobify-redis': ['restart-start/jobify-redis', path] as const,
  });
  const at = k(sizes.redisBytes);
  return [
    row(`Redis bytes per stored job @${at} (MEMORY USAGE)`, 'lower', bytes('bytesPerJob')),
    row(
      `Redis bytes per stored job @${at} (used_memory Δ)`,
      'lower',
      bytes('usedMemoryBytesPerJob'),
    ),
    row(`restart: start() with ${k(sizes.restart)} stored jobs (ms)`, 'lower', restart('startMs')),
    row('restart: of which storage.load() (ms)', 'lower', restart('loadMs')),
  ];
}

function cronRows(sizes: Sizes): Row[] {
  return [
    row(`cron, ${k(sizes.crons)} every second: fires/s`, 'higher', each('cron', 'firesPerSec')),
    row('cron: process CPU per fire (µs)', 'lower', each('cron', 'cpuUsPerFire')),
    row('cron: Redis CPU per fire (µs)', 'lower', each('cron', 'redisCpuUsPerFire')),
    row('cron: fire lateness p99 (ms)', 'lower', each('cron', 'latenessMs.p99')),
  ];
}

/** Every figure of the report, labelled with the sizes it was measured at. */
export function defineRows(sizes: Sizes): Row[] {
  const delayed = k(sizes.delayed);
  const pushed = `throughput, ${k(sizes.throughput)} no-op jobs`;
  return [
    row(`${pushed} (jobs/s)`, 'higher', each('throughput', 'jobsPerSec')),
    row(`${pushed}, writes settled (jobs/s)`, 'higher', each('throughput', 'settledJobsPerSec')),
    row(
      `throughput, ${k(sizes.throughput)} jobs waiting one event-loop turn, each stored (jobs/s)`,
      'higher',
      each('throughput-stored', 'jobsPerSec'),
    ),
    row(
      `throughput, ${k(sizes.throughput)} jobs each stored, writes settled (jobs/s)`,
      'higher',
      each('throughput-stored', 'settledJobsPerSec'),
    ),
    ...latenessRows('delayed-burst', `delayed, ${delayed} due at one instant`),
    ...latenessRows('delayed-spread', `delayed, ${delayed} over 2 s, ${k(sizes.waiting)} waiting`),
    ...heapRows(sizes.heap[0]),
    ...heapRows(sizes.heap[1]),
    ...redisRows(sizes),
    ...cronRows(sizes),
  ];
}

function read(outcome: Outcome | undefined, path: string): number | undefined {
  if (!outcome) return undefined;
  if (!outcome.ok) return NaN;
  let value: unknown = outcome;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' ? value : NaN;
}

/** Looks every cell up in the results. */
export function fillRows(rows: readonly Row[], results: ReadonlyMap<string, Outcome>): FilledRow[] {
  return rows.map((row) => {
    const values: Partial<Record<Column, number>> = {};
    for (const [column, source] of Object.entries(row.cells) as [Column, Source][]) {
      const value = read(results.get(source[0]), source[1]);
      if (value !== undefined) values[column] = value;
    }
    return { ...row, values };
  });
}

function show(value: number | undefined): string {
  if (value === undefined) return '—';
  if (Number.isNaN(value)) return 'FAILED';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

function ratio(jobify: number | undefined, bull: number | undefined): string {
  if (jobify === undefined || bull === undefined) return '—';
  if (!Number.isFinite(jobify) || !Number.isFinite(bull) || bull === 0) return 'n/a';
  return `${(jobify / bull).toFixed(2)}×`;
}

/** The table as Markdown, readable in a terminal and pasteable into docs. */
export function renderTable(rows: readonly FilledRow[]): string {
  const header = [
    'figure',
    'better',
    'jobify-memory',
    'jobify-redis',
    'BullMQ',
    'memory ÷ BullMQ',
    'redis ÷ BullMQ',
  ];
  const lines = rows.map(({ figure, better, values: v }) => [
    figure,
    better,
    show(v['jobify-memory']),
    show(v['jobify-redis']),
    show(v.bullmq),
    ratio(v['jobify-memory'], v.bullmq),
    ratio(v['jobify-redis'], v.bullmq),
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((line) => (line[i] ?? '').length)));
  const format = (line: readonly string[]) =>
    `| ${line.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [format(header), rule, ...lines.map(format)].join('\n');
}
