import type { Snapshot } from 'xstate';
import {
  FINISHED_STATUSES,
  type JobEvent,
  type JobGuardName,
  type JobRecord,
  type JobReducerName,
  JobStatus,
  jobGuards,
  jobMachine,
  jobReducers,
} from './job-machine.js';

/** A job's place in its lifecycle: the machine's state value and its context. */
export interface JobState {
  readonly status: JobStatus;
  readonly record: JobRecord;
}

interface Candidate {
  readonly guard: ((context: JobRecord, event: JobEvent) => boolean) | undefined;
  /** Undefined for a transition that stays in its state (it may still change the context). */
  readonly target: JobStatus | undefined;
  readonly reducers: readonly ((context: JobRecord, event: JobEvent) => JobRecord)[];
}

type Table = Readonly<Record<string, Readonly<Record<string, readonly Candidate[]>>>>;

const STATUSES = new Set<string>(Object.values(JobStatus));

function fail(message: string): never {
  throw new Error(`jobify internal error: the job machine ${message}`);
}

function toCandidate(state: string, config: unknown): Candidate {
  if (typeof config === 'string')
    return { guard: undefined, target: toStatus(config), reducers: [] };
  if (typeof config !== 'object' || config === null) fail(`has a bad transition in '${state}'`);
  const { target, guard, actions } = config as {
    target?: unknown;
    guard?: unknown;
    actions?: unknown;
  };
  if (guard !== undefined && !(typeof guard === 'string' && guard in jobGuards)) {
    fail(`uses a guard the interpreter does not know in '${state}'`);
  }
  const names = actions === undefined ? [] : Array.isArray(actions) ? actions : [actions];
  const reducers = names.map((name: unknown) => {
    if (typeof name !== 'string' || !(name in jobReducers)) {
      fail(`uses an action the interpreter does not know in '${state}'`);
    }
    return jobReducers[name as JobReducerName];
  });
  return {
    guard: guard === undefined ? undefined : jobGuards[guard as JobGuardName],
    target: target === undefined ? undefined : toStatus(target),
    reducers,
  };
}

function toStatus(target: unknown): JobStatus {
  if (typeof target !== 'string' || !STATUSES.has(target)) fail(`targets an unknown state`);
  return target as JobStatus;
}

/**
 * Reads the transitions out of {@link jobMachine}'s definition, once, at import. Anything
 * the interpreter would not carry out exactly as XState does (entry/exit actions, delays,
 * invocations, nested states, unknown guards or actions) throws here, not later.
 */
function compileTable(): Table {
  const states = jobMachine.config.states ?? fail('has no states');
  const table: Record<string, Record<string, Candidate[]>> = {};
  for (const [state, node] of Object.entries(states)) {
    const { on, ...rest } = node as { on?: Record<string, unknown> } & Record<string, unknown>;
    const extra = Object.keys(rest).filter((key) => key !== 'type');
    if (extra.length > 0) fail(`state '${state}' uses ${extra.join(', ')}`);
    const events: Record<string, Candidate[]> = {};
    for (const [type, config] of Object.entries(on ?? {})) {
      const list = Array.isArray(config) ? config : [config];
      events[type] = list.map((item: unknown) => toCandidate(state, item));
    }
    table[toStatus(state)] = events;
  }
  return table;
}

const TABLE = compileTable();

/**
 * The job machine's transition for `event`, computed the way XState computes it (the
 * first candidate whose guard passes; its actions applied in order) but without an
 * actor, a snapshot object or a system. Undefined when the event changes nothing: not
 * handled in this state, no guard passed, or a transition with neither target nor action.
 *
 * @example
 * const next = transitionJob({ status: 'scheduled', record }, { type: 'DUE' });
 * next?.status; // 'running'
 */
export function transitionJob(state: JobState, event: JobEvent): JobState | undefined {
  const candidates = TABLE[state.status]?.[event.type];
  if (candidates === undefined) return undefined;
  for (const candidate of candidates) {
    if (candidate.guard && !candidate.guard(state.record, event)) continue;
    let record = state.record;
    for (const reduce of candidate.reducers) record = reduce(record, event);
    const status = candidate.target ?? state.status;
    if (status === state.status && record === state.record) return undefined;
    return { status, record };
  }
  return undefined;
}

/**
 * The persisted XState snapshot of a job in `state`: exactly what
 * `getPersistedSnapshot()` of a {@link jobMachine} actor in that state returns, so
 * `createActor(jobMachine, { snapshot })` brings the job back as an actor.
 *
 * @example
 * const actor = createActor(jobMachine, { snapshot: persistedSnapshot(state) }).start();
 */
export function persistedSnapshot(state: JobState): Snapshot<unknown> {
  return {
    status: FINISHED_STATUSES.has(state.status) ? 'done' : 'active',
    value: state.status,
    historyValue: {},
    context: state.record,
    children: {},
    output: undefined,
    error: undefined,
  } as Snapshot<unknown>;
}
