import { Packr } from 'msgpackr';
import { SerializationError, show } from '../errors.js';
import { fromWire, toWire } from './wire-types.js';

/**
 * Turns job snapshots into bytes and back. Replace it to change the wire format; the
 * default is msgpack.
 *
 * @example
 * const json: Serializer = {
 *   encode: (v) => new TextEncoder().encode(JSON.stringify(v)),
 *   decode: (b) => JSON.parse(new TextDecoder().decode(b)),
 * };
 */
export interface Serializer {
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

/**
 * msgpack via msgpackr, as plain maps (no shared record structures, so any process can
 * read any record, and Redis' Lua `cmsgpack` can too). Round-trips Date, Map, Set,
 * BigInt, typed arrays and Error.
 *
 * @example
 * const app = createJobify({ serializer: msgpackSerializer() });
 */
export function msgpackSerializer(): Serializer {
  const packr = new Packr({
    useRecords: false,
    moreTypes: true,
    useToJSON: false,
    mapsAsObjects: true,
    useBigIntExtension: true,
  });
  return {
    encode: (value) => packr.pack(toWire(value)),
    decode: (data) => fromWire(packr.unpack(data)),
  };
}

function isStorableLeaf(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    default:
      return value === null;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Why `value` cannot be stored, as a path and a description, or undefined when it can.
 * Functions, symbols and class instances (other than the built-ins the serializer knows)
 * would be stored as something else and come back wrong after a restart.
 */
function findUnstorable(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (isStorableLeaf(value)) return undefined;
  if (typeof value !== 'object' || value === null) return `${path} is ${show(value)}`;
  if (seen.has(value)) return `${path} is a circular reference`;
  if (value instanceof Date || value instanceof RegExp || value instanceof Error) return undefined;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return undefined;
  seen.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      let i = 0;
      for (const item of value as Iterable<unknown>) {
        const found = findUnstorable(item, `${path}[${i++}]`, seen);
        if (found) return found;
      }
      return undefined;
    }
    if (value instanceof Map) {
      for (const [key, item] of value as Map<unknown, unknown>) {
        const found =
          findUnstorable(key, `${path} key`, seen) ??
          findUnstorable(item, `${path}.get(${show(key)})`, seen);
        if (found) return found;
      }
      return undefined;
    }
    if (!isPlainObject(value)) return `${path} is ${show(value)}`;
    for (const [key, item] of Object.entries(value)) {
      const found = findUnstorable(item, `${path}.${key}`, seen);
      if (found) return found;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

/**
 * Throws a SerializationError naming the task and the argument when an argument of a
 * durable job could not survive a restart.
 *
 * @example
 * assertStorableArgs('email:send', [42, { to: 'a@b.c' }]);
 */
export function assertStorableArgs(taskName: string, args: readonly unknown[]): void {
  args.forEach((arg, index) => {
    if (isStorableLeaf(arg)) return; // most arguments: no path string, no Set
    const problem = findUnstorable(arg, `argument ${index}`, new Set());
    if (problem) {
      throw new SerializationError(
        `Cannot store a job of durable task '${taskName}': ${problem}. ` +
          'Pass plain data, or make the task `durable: false`.',
      );
    }
  });
}
