import { withTimeout } from './time.js';

/** What every scenario prints: one JSON line, `ok` false with `error` when it failed. */
export type ScenarioResult = { readonly ok: true } & Record<string, unknown>;

/**
 * The body of a scenario process: runs `main` under a deadline, prints its result as one
 * JSON line on stdout, and exits (0 on success, 1 on failure), so open handles of a
 * half-finished run never keep the process alive.
 *
 * @example
 * await runScenario(60_000, async () => ({ ok: true, jobsPerSec: 1234 }));
 */
export async function runScenario(
  deadlineMs: number,
  main: () => Promise<Record<string, unknown>>,
): Promise<never> {
  try {
    const result = await withTimeout(main(), deadlineMs, 'the scenario as a whole');
    process.stdout.write(`${JSON.stringify({ ok: true, ...result })}\n`);
    process.exit(0);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
    process.exit(1);
  }
}

/** `global.gc` from `--expose-gc`, twice so that weak and finalised objects go too. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('Run this scenario with node --expose-gc');
  gc();
  gc();
}
