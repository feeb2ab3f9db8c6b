/**
 * msgpack has one map type, so plain objects and `Map`s cannot both come back as what they
 * were; and msgpackr keeps only an Error's name, message and cause. Before packing, these
 * two are rewritten into tagged plain objects, and unpacking turns the tags back. Values
 * without them are returned as they are (no copy), which keeps the common path cheap.
 */
const MAP_TAG = '\u0000map';
const ERROR_TAG = '\u0000error';

type Tagged = Record<string, unknown>;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Rewrites Maps and Errors (at any depth) into tagged plain objects. */
export function toWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Map) {
    return { [MAP_TAG]: [...value].map(([k, v]) => [toWire(k), toWire(v)]) };
  }
  if (value instanceof Error) return { [ERROR_TAG]: errorFields(value) };
  if (Array.isArray(value)) return mapIfChanged(value, toWire);
  if (isPlainObject(value)) return mapValuesIfChanged(value as Tagged, toWire);
  return value;
}

/** Reverses {@link toWire}. */
export function fromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return mapIfChanged(value, fromWire);
  if (!isPlainObject(value)) return value;
  const tagged = value as Tagged;
  if (MAP_TAG in tagged) {
    const entries = tagged[MAP_TAG] as [unknown, unknown][];
    return new Map(entries.map(([k, v]) => [fromWire(k), fromWire(v)]));
  }
  if (ERROR_TAG in tagged) return reviveError(tagged[ERROR_TAG] as Tagged);
  return mapValuesIfChanged(tagged, fromWire);
}

function errorFields(error: Error): Tagged {
  const fields: Tagged = { name: error.name, message: error.message };
  if (error.stack !== undefined) fields.stack = error.stack;
  if (error.cause !== undefined) fields.cause = toWire(error.cause);
  for (const [key, item] of Object.entries(error)) fields[key] ??= toWire(item);
  return fields;
}

/** The class is not known after a restart; the name, message, stack, cause and fields are. */
function reviveError(fields: Tagged): Error {
  const { name, message, stack, cause, ...rest } = fields;
  const error = new Error(
    String(message),
    cause === undefined ? undefined : { cause: fromWire(cause) },
  );
  error.name = String(name);
  if (typeof stack === 'string') error.stack = stack;
  for (const [key, item] of Object.entries(rest))
    (error as unknown as Tagged)[key] = fromWire(item);
  return error;
}

function mapIfChanged(items: unknown[], fn: (v: unknown) => unknown): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const mapped = fn(items[i]);
    if (mapped !== items[i]) (out ??= items.slice())[i] = mapped;
  }
  return out ?? items;
}

function mapValuesIfChanged(object: Tagged, fn: (v: unknown) => unknown): Tagged {
  let out: Tagged | undefined;
  for (const key of Object.keys(object)) {
    const mapped = fn(object[key]);
    if (mapped !== object[key]) (out ??= { ...object })[key] = mapped;
  }
  return out ?? object;
}
