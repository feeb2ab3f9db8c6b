import type { Sizes } from './plan.js';
import type { FilledRow } from './table.js';

type Values = FilledRow['values'];

/** One goal of the performance issue, checked against the rows of the same run. */
interface Goal {
  readonly goal: string;
  /** Picks the row the goal reads. */
  readonly row: (figure: string) => boolean;
  /** The measured value from that row: a cell, or jobify ÷ BullMQ. */
  readonly measure: (values: Values) => number | undefined;
  readonly unit: '×' | 'ms' | 'B';
  readonly target: number;
  /** `min`: measured ≥ target; `max`: measured ≤ target; `below`: measured < target. */
  readonly kind: 'min' | 'max' | 'below';
}

/** A goal with its figure from this run. */
export interface GoalResult {
  readonly goal: string;
  readonly measured: number | undefined;
  readonly unit: string;
  readonly target: number;
  readonly met: boolean;
}

const ratio = (column: 'jobify-memory' | 'jobify-redis') => (v: Values) => {
  const jobify = v[column];
  return jobify !== undefined && v.bullmq ? jobify / v.bullmq : undefined;
};
const worstOfJobify = (v: Values) => {
  const both = [v['jobify-memory'], v['jobify-redis']].filter((x) => x !== undefined);
  return both.length === 0 ? undefined : Math.max(...both);
};
const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

function goalsFor(sizes: Sizes): Goal[] {
  const heapAt = k(sizes.heap[1]);
  const throughput = (figure: string) => figure.endsWith('no-op jobs (jobs/s)');
  return [
    {
      goal: 'throughput on Redis ≥ 2× BullMQ',
      row: throughput,
      measure: ratio('jobify-redis'),
      unit: '×',
      target: 2,
      kind: 'min',
    },
    {
      goal: 'throughput on memory ≥ 5× BullMQ',
      row: throughput,
      measure: ratio('jobify-memory'),
      unit: '×',
      target: 5,
      kind: 'min',
    },
    {
      goal: `delayed lateness p99 ≤ 5 ms with ${k(sizes.waiting)} waiting (worse of memory and Redis)`,
      row: (figure) => figure.includes('waiting: lateness p99'),
      measure: worstOfJobify,
      unit: 'ms',
      target: 5,
      kind: 'max',
    },
    {
      goal: `≤ 400 B of heap per waiting job at ${heapAt} scheduled (memoryStorage)`,
      row: (figure) => figure === `heap per waiting job @${heapAt} — memoryStorage, heap (B)`,
      measure: (v) => v['jobify-memory'],
      unit: 'B',
      target: 400,
      kind: 'max',
    },
    {
      goal: 'Redis bytes per stored job below BullMQ’s (jobify ÷ BullMQ)',
      row: (figure) => figure.startsWith('Redis bytes per stored job') && figure.includes('MEMORY'),
      measure: ratio('jobify-redis'),
      unit: '×',
      target: 1,
      kind: 'below',
    },
    {
      goal: `restart of ${k(sizes.restart)} stored jobs under 1 s`,
      row: (figure) => figure.startsWith('restart: start()'),
      measure: (v) => v['jobify-redis'],
      unit: 'ms',
      target: 1000,
      kind: 'below',
    },
  ];
}

function isMet(goal: Goal, measured: number | undefined): boolean {
  if (measured === undefined || !Number.isFinite(measured)) return false;
  if (goal.kind === 'min') return measured >= goal.target;
  return goal.kind === 'max' ? measured <= goal.target : measured < goal.target;
}

/**
 * Checks every goal against the rows of this run.
 *
 * @example
 * console.log(renderGoals(checkGoals(rows, FULL)));
 */
export function checkGoals(rows: readonly FilledRow[], sizes: Sizes): GoalResult[] {
  return goalsFor(sizes).map((goal) => {
    const found = rows.find((row) => goal.row(row.figure));
    const measured = found ? goal.measure(found.values) : undefined;
    const { unit, target } = goal;
    return { goal: goal.goal, measured, unit, target, met: isMet(goal, measured) };
  });
}

function showMeasured({ measured, unit }: GoalResult): string {
  if (measured === undefined || !Number.isFinite(measured)) return 'not measured';
  const digits = unit === '×' || measured < 100 ? 2 : 0;
  return `${measured.toLocaleString('en-US', { maximumFractionDigits: digits })} ${unit}`;
}

/** A goal whose scenario did not run (`--only`) is not missed: it was not measured. */
function verdictOf({ measured, met }: GoalResult): string {
  if (measured === undefined) return '—';
  return met ? 'met' : '**missed**';
}

/** The goals as a Markdown table. */
export function renderGoals(results: readonly GoalResult[]): string {
  const lines = results.map(
    (result) => `| ${result.goal} | ${showMeasured(result)} | ${verdictOf(result)} |`,
  );
  return ['| goal | measured | verdict |', '| --- | ---: | --- |', ...lines].join('\n');
}
