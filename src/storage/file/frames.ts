import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import { StorageError } from '../../errors.js';
import type { SetAsideJob, StoredJob } from '../storage.js';

/**
 * The on-disk layout of a file storage log:
 *
 * ```text
 * header  = "JOBIFYFS" (8 bytes) | format version (uint32 BE)
 * frame   = payload length (uint32 BE) | CRC32 of the payload (uint32 BE) | payload
 * payload = msgpack map: { op: 'put', job } | { op: 'delete', id } | { op: 'setAside', job, reason, at }
 * ```
 */
export const MAGIC = Buffer.from('JOBIFYFS', 'latin1');
/** Bumped whenever a reader of the previous version would misread the file. */
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = MAGIC.length + 4;
const FRAME_HEADER_SIZE = 8;
/** Larger lengths can only come from a damaged frame; writes refuse to produce them. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;

/** One entry of the log; replaying them in order rebuilds the live set. */
export type LogRecord =
  | { readonly op: 'put'; readonly job: StoredJob }
  | { readonly op: 'delete'; readonly id: string }
  | { readonly op: 'setAside'; readonly entry: SetAsideJob };

/** The valid records at the start of a log and where they end. */
export interface ScanResult {
  readonly records: LogRecord[];
  /** Offset just past the last valid frame. */
  readonly end: number;
  /** Why scanning stopped before the end of the bytes, if it did. */
  readonly problem?: string;
}

// Plain maps, no shared structures: every frame decodes on its own.
const packr = new Packr({ useRecords: false });

/**
 * The header of an empty log.
 *
 * @example
 * await writeFile(path, Buffer.concat([encodeHeader(), encodeFrames(records)]));
 */
export function encodeHeader(): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header);
  header.writeUInt32BE(FORMAT_VERSION, MAGIC.length);
  return header;
}

/**
 * Throws a StorageError naming the file when `bytes` do not start with a header this
 * version can read. The file is never touched: a newer format must not be wiped.
 *
 * @example
 * checkHeader(await readFile(path), path);
 */
export function checkHeader(bytes: Buffer, path: string): void {
  if (bytes.length < HEADER_SIZE || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new StorageError(
      `Cannot open file storage '${path}': it is not a jobify storage file (bad header). ` +
        'Move it away or pass another path.',
    );
  }
  const version = bytes.readUInt32BE(MAGIC.length);
  if (version !== FORMAT_VERSION) {
    throw new StorageError(
      `Cannot open file storage '${path}': format version ${version} is not supported ` +
        `(this jobify reads version ${FORMAT_VERSION}). Use a matching jobify version.`,
    );
  }
}

/**
 * Frames every record into one buffer, so a batch goes to disk in one write.
 *
 * @example
 * const bytes = encodeFrames([{ op: 'delete', id: 'job-1' }]);
 */
export function encodeFrames(records: readonly LogRecord[]): Buffer {
  const payloads = records.map(encodePayload);
  const total = payloads.reduce((sum, p) => sum + FRAME_HEADER_SIZE + p.length, 0);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const payload of payloads) {
    out.writeUInt32BE(payload.length, offset);
    out.writeUInt32BE(crc32(payload), offset + 4);
    payload.copy(out, offset + FRAME_HEADER_SIZE);
    offset += FRAME_HEADER_SIZE + payload.length;
  }
  return out;
}

function encodePayload(record: LogRecord): Buffer {
  const payload = packr.pack(toPlain(record));
  if (payload.length > MAX_PAYLOAD) {
    const id = record.op === 'delete' ? record.id : jobOf(record).id;
    throw new StorageError(
      `Cannot store job '${id}': its record is ${payload.length} bytes, over the ` +
        `file storage limit of ${MAX_PAYLOAD} bytes.`,
    );
  }
  return payload;
}

function jobOf(record: Exclude<LogRecord, { op: 'delete' }>): StoredJob {
  return record.op === 'put' ? record.job : record.entry.job;
}

function toPlain(record: LogRecord): unknown {
  switch (record.op) {
    case 'put':
      return { op: 'put', job: plainJob(record.job) };
    case 'delete':
      return { op: 'delete', id: record.id };
    case 'setAside': {
      const { job, reason, at } = record.entry;
      return { op: 'setAside', job: plainJob(job), reason, at };
    }
  }
}

// Only the StoredJob fields: extra properties a caller attached are not persisted.
function plainJob({ id, name, status, dueAt, data }: StoredJob): StoredJob {
  return { id, name, status, dueAt, data };
}

/**
 * Reads frames from `offset` until the bytes end or a frame is damaged (short, bad
 * length, CRC mismatch, undecodable payload). Nothing after a damaged frame is trusted.
 *
 * @example
 * const { records, end } = scanFrames(bytes, HEADER_SIZE);
 */
export function scanFrames(bytes: Buffer, offset: number): ScanResult {
  const records: LogRecord[] = [];
  let at = offset;
  while (at < bytes.length) {
    const result = readFrame(bytes, at);
    if (typeof result === 'string') return { records, end: at, problem: result };
    records.push(result.record);
    at = result.next;
  }
  return { records, end: at };
}

function readFrame(bytes: Buffer, at: number): { record: LogRecord; next: number } | string {
  if (bytes.length - at < FRAME_HEADER_SIZE) return 'short frame header';
  const length = bytes.readUInt32BE(at);
  if (length === 0 || length > MAX_PAYLOAD) return `bad frame length ${length}`;
  const start = at + FRAME_HEADER_SIZE;
  if (bytes.length - start < length) return 'short frame';
  const payload = bytes.subarray(start, start + length);
  if (crc32(payload) !== bytes.readUInt32BE(at + 4)) return 'checksum mismatch';
  let decoded: unknown;
  try {
    decoded = packr.unpack(payload);
  } catch {
    return 'undecodable payload';
  }
  const record = toRecord(decoded);
  return record ? { record, next: start + length } : 'unknown record';
}

function toRecord(value: unknown): LogRecord | undefined {
  if (!isObject(value)) return undefined;
  const { op, id, job: rawJob, reason, at } = value;
  if (op === 'delete') return typeof id === 'string' ? { op, id } : undefined;
  const job = toJob(rawJob);
  if (!job) return undefined;
  if (op === 'put') return { op, job };
  if (op !== 'setAside' || typeof reason !== 'string' || typeof at !== 'number') return undefined;
  return { op, entry: { job, reason, at } };
}

function toJob(value: unknown): StoredJob | undefined {
  if (!isObject(value)) return undefined;
  const { id, name, status, dueAt, data } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof status !== 'string') {
    return undefined;
  }
  if (typeof dueAt !== 'number' || !(data instanceof Uint8Array)) return undefined;
  // A copy: msgpackr hands out views into the whole log buffer, which would stay in memory.
  return { id, name, status, dueAt, data: new Uint8Array(data) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
