/** p50 / p99 / max of a sample, in the sample's unit. */
export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Nearest-rank percentiles of `values` (which it does not modify).
 *
 * @example
 * summarize([3, 1, 2]); // { count: 3, p50: 2, p99: 3, max: 3, mean: 2 }
 */
export function summarize(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: rank(0.5) ?? NaN,
    p99: rank(0.99) ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sum / sorted.length,
  };
}

/** Rounds to `digits` decimals, for compact JSON. */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
