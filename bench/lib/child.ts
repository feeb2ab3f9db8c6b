import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PlannedRun } from './plan.js';
import { RUN_ID_ENV } from './systems.js';

/** The repository root, where `node --import tsx` resolves tsx. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a child printed, or why it has no result. */
export type ChildResult = { ok: true } & Record<string, unknown>;
export type ChildFailure = { ok: false; error: string };

/**
 * Runs one scenario in a fresh `node --import tsx` process and parses the JSON line it
 * prints last. A child that outlives `run.timeoutMs` is killed and reported as a failure.
 *
 * @example
 * const result = await runChild(run, 'r123');
 * if (result.ok) console.log(result.jobsPerSec);
 */
export function runChild(run: PlannedRun, runId: string): Promise<ChildResult | ChildFailure> {
  const file = `bench/scenarios/${run.scenario}.ts`;
  const argv = [...run.nodeFlags, '--import', 'tsx', file, ...run.args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, [RUN_ID_ENV]: runId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const parsed = lastJsonLine(stdout);
      if (parsed) return resolve(parsed);
      const why = signal === 'SIGKILL' ? `killed after ${run.timeoutMs} ms` : `exit code ${code}`;
      resolve({ ok: false, error: `${why}; stderr: ${stderr.trim().slice(-500)}` });
    });
  });
}

function lastJsonLine(stdout: string): ChildResult | ChildFailure | undefined {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    return JSON.parse(line) as ChildResult | ChildFailure;
  } catch {
    return undefined;
  }
}

/**
 * Runs `run` as often as it says (once by default) and keeps the result with the median
 * value of `repeat.by`; the values of every attempt are kept in `repeats`. A failed
 * attempt fails the whole run.
 *
 * @example
 * const result = await runRepeated(run, 'r123');
 */
export async function runRepeated(
  run: PlannedRun,
  runId: string,
): Promise<ChildResult | ChildFailure> {
  if (!run.repeat) return runChild(run, runId);
  const { times, by } = run.repeat;
  const results: ChildResult[] = [];
  for (let i = 0; i < times; i++) {
    const result = await runChild(run, runId);
    if (!result.ok) return result;
    results.push(result);
  }
  const value = (r: ChildResult) => Number(r[by]);
  results.sort((a, b) => value(a) - value(b));
  const median = results[Math.floor(results.length / 2)] ?? results[0];
  return median ? { ...median, repeats: results.map(value) } : { ok: false, error: 'no runs' };
}
