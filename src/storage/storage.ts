import type { Logger } from 'pino';

/**
 * What a storage backend keeps for one live job: the packed snapshot plus the few fields a
 * backend indexes without decoding it (due time for a sorted set, task name and status for
 * inspection and clean-up).
 */
export interface StoredJob {
  readonly id: string;
  /** Full task name (`prefix:name`). */
  readonly name: string;
  /** Status at the time of writing: `scheduled` or `running`. */
  readonly status: string;
  /** When the job is next due, epoch ms. */
  readonly dueAt: number;
  /** The serialized, versioned job snapshot. */
  readonly data: Uint8Array;
}

/** A record that could not be restored, kept aside for a person to inspect. */
export interface SetAsideJob {
  readonly job: StoredJob;
  /** Why it was set aside, e.g. "task 'a:b' is not registered". */
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
}

/** One change in a batch: the latest snapshot of a job, or its removal. */
export type StorageWrite =
  | { readonly type: 'put'; readonly job: StoredJob }
  | { readonly type: 'delete'; readonly id: string };

/** Handed to a backend when the app opens it. */
export interface StorageContext {
  /** Key prefix for this app's records, `jobify` by default. */
  readonly namespace: string;
  readonly logger: Logger;
}

/**
 * Where live jobs persist between restarts. The engine writes the latest snapshot of
 * every durable job on each transition (batched: one `write` call a tick), deletes it when
 * the job finishes, and reads everything back with `load` on start. Every implementation
 * passes the shared conformance suite in `test/conformance/`.
 *
 * @example
 * const app = createJobify({ storage: memoryStorage() });
 */
export interface Storage {
  /** Opens connections or files; called once per app start. */
  open(context: StorageContext): Promise<void>;
  /** Releases what `open` acquired; a client passed in by the user is left open. */
  close(): Promise<void>;
  /** Every live job, in no particular order. */
  load(): Promise<StoredJob[]>;
  /** Applies a batch of writes, in order, atomically where the backend can. */
  write(batch: readonly StorageWrite[]): Promise<void>;
  /** Moves records that cannot be restored out of the live set, keeping them for inspection. */
  setAside(jobs: readonly SetAsideJob[]): Promise<void>;
  /** Records set aside so far. */
  listSetAside(): Promise<SetAsideJob[]>;
}
