/** Command-line arguments of a scenario or of the runner: `--key=value` and bare `--flag`. */
export type Args = ReadonlyMap<string, string>;

/**
 * Parses `--key=value` (and `--flag`, read as `'true'`); anything else is refused by name.
 *
 * @example
 * const args = parseArgs(['--n=1000', '--quick']); // Map { n → '1000', quick → 'true' }
 */
export function parseArgs(argv: readonly string[]): Args {
  const args = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`Expected arguments like --key=value, got '${arg}'`);
    args.set(match[1], match[2] ?? 'true');
  }
  return args;
}

/** A required string argument. */
export function stringArg(args: Args, key: string, fallback?: string): string {
  const value = args.get(key) ?? fallback;
  if (value === undefined || value === '') throw new Error(`Expected --${key}=<value>`);
  return value;
}

/** A non-negative integer argument. */
export function intArg(args: Args, key: string, fallback?: number): number {
  const raw = args.get(key);
  const value = raw === undefined ? fallback : Number(raw);
  if (value === undefined || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Expected --${key} to be a non-negative integer, got ${String(raw)}`);
  }
  return value;
}

/** One of a fixed set of values. */
export function choiceArg<T extends string>(args: Args, key: string, choices: readonly T[]): T {
  const value = stringArg(args, key);
  if (!(choices as readonly string[]).includes(value)) {
    throw new Error(`Expected --${key} to be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}
