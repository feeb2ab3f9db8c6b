import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` this reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { functionName: string; url: string; lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function, or of one group of functions. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

/** Where a function lives: a package, a jobify source file, or a V8 pseudo-frame. */
function whereOf(url: string): string {
  if (url === '') return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const src = /\/(src\/.+|bench\/.+)$/.exec(url)?.[1];
  if (src) return src;
  return url.startsWith('node:') ? 'node:*' : url.slice(url.lastIndexOf('/') + 1);
}

function ranked(totals: Map<string, number>, all: number, top: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({
      name,
      ms: Math.round(us / 100) / 10,
      percent: Math.round((us / all) * 1000) / 10,
    }));
}

/** Index of the first sample whose stack contains a function named `name` (0 if none). */
function firstSampleIn(profile: CpuProfile, name: string): number {
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const names = new Map(profile.nodes.map((node) => [node.id, node.callFrame.functionName]));
  const found = profile.samples.findIndex((leaf) => {
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      if (names.get(id) === name) return true;
    }
    return false;
  });
  return Math.max(found, 0);
}

/**
 * Top self-time functions and packages of a `.cpuprofile`, as shares of the busy time
 * (samples in `(idle)` are left out, so the shares are of CPU actually spent). With
 * `startAt`, samples before the first one inside that function (module loading, set-up)
 * are left out too.
 *
 * @example
 * const { functions } = summarizeCpuProfile('throughput.cpuprofile', 15, 'scheduleJob');
 */
export function summarizeCpuProfile(
  path: string,
  top: number,
  startAt?: string,
): { busyMs: number; functions: SelfTime[]; places: SelfTime[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const first = startAt === undefined ? 0 : firstSampleIn(profile, startAt);
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    if (i < first) return;
    const us = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    const where = whereOf(frame.url);
    const name = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    places.set(where, (places.get(where) ?? 0) + us);
    busy += us;
  });
  return {
    busyMs: Math.round(busy / 1000),
    functions: ranked(functions, busy, top),
    places: ranked(places, busy, top),
  };
}
