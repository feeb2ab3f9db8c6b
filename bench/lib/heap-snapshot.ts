import { readFileSync } from 'node:fs';

/** The parts of a V8 `.heapsnapshot` this reads. */
interface HeapSnapshot {
  readonly snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** Self bytes of one kind of heap object, summed. */
export type HeapByKind = Map<string, number>;

/** Types whose node names are contents (a string's text, a number's value), not kinds. */
const UNNAMED = new Set(['string', 'concatenated string', 'sliced string', 'number', 'bigint']);
/** Backing stores, named after the object that holds them. */
const BACKING = new Set(['(array) ', '(hidden) system / PropertyArray']);

/** A plain object is named by its first property names, so records and snapshots show apart. */
function kindOf(type: string, name: string, props: readonly string[]): string {
  if (type === 'object') return name === 'Object' ? `Object {${props.join(', ')}}` : name;
  return UNNAMED.has(type) ? `(${type})` : `(${type}) ${name}`;
}

/** Reads a snapshot: fields by name, and every node's edges in order. */
function open(path: string) {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshot;
  const { meta } = snap.snapshot;
  const nf = (f: string) => meta.node_fields.indexOf(f);
  const ef = (f: string) => meta.edge_fields.indexOf(f);
  return {
    snap,
    nodeWidth: meta.node_fields.length,
    edgeWidth: meta.edge_fields.length,
    at: { type: nf('type'), name: nf('name'), size: nf('self_size'), edges: nf('edge_count') },
    edge: { type: ef('type'), name: ef('name_or_index'), to: ef('to_node') },
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
  };
}

/**
 * Sums the self size of every node of a heap snapshot by kind: constructor name (plain
 * objects by their first property names), and backing stores by the object holding them.
 *
 * @example
 * const before = heapByKind('before.heapsnapshot');
 */
export function heapByKind(path: string): HeapByKind {
  const { snap, nodeWidth, edgeWidth, at, edge, nodeTypes, edgeTypes } = open(path);
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nodeWidth;
  const kinds = new Array<string>(count);
  const edgeName = (e: number) => {
    const type = edgeTypes[edges[e + edge.type] ?? 0];
    const value = edges[e + edge.name] ?? 0;
    return type === 'element' || type === 'hidden' ? `[${value}]` : (strings[value] ?? '?');
  };
  for (let n = 0, e = 0; n < count; n++) {
    const i = n * nodeWidth;
    const type = nodeTypes[nodes[i + at.type] ?? 0] ?? '?';
    const name = strings[nodes[i + at.name] ?? 0] ?? '?';
    const edgeCount = nodes[i + at.edges] ?? 0;
    const props: string[] = [];
    for (let j = 0; j < edgeCount && props.length < 6 && name === 'Object'; j++) {
      const ei = (e + j) * edgeWidth;
      if (edgeTypes[edges[ei + edge.type] ?? 0] === 'property') props.push(edgeName(ei));
    }
    kinds[n] = kindOf(type, name, props);
    e += edgeCount;
  }
  const owned = new Array<string | undefined>(count);
  for (let n = 0, e = 0; n < count; n++) {
    const edgeCount = nodes[n * nodeWidth + at.edges] ?? 0;
    for (let j = 0; j < edgeCount; j++) {
      const ei = (e + j) * edgeWidth;
      const to = (edges[ei + edge.to] ?? 0) / nodeWidth;
      if (owned[to] === undefined && BACKING.has(kinds[to] ?? '')) {
        owned[to] = `${kinds[to]} of ${kinds[n]} .${edgeName(ei)}`;
      }
    }
    e += edgeCount;
  }
  const totals: HeapByKind = new Map();
  for (let n = 0; n < count; n++) {
    const kind = owned[n] ?? kinds[n] ?? '?';
    totals.set(kind, (totals.get(kind) ?? 0) + (nodes[n * nodeWidth + at.size] ?? 0));
  }
  return totals;
}

/**
 * Bytes per job by kind: (after − before) / jobs, largest first. What scheduling added is
 * all retained by the waiting jobs, so the rows add up to the heap cost of one job.
 *
 * @example
 * const rows = perJobByKind(before, after, 10_000, 15);
 */
export function perJobByKind(
  before: HeapByKind,
  after: HeapByKind,
  jobs: number,
  top: number,
): { kind: string; bytes: number }[] {
  const rows = [...after].map(([kind, bytes]) => ({
    kind,
    bytes: Math.round(((bytes - (before.get(kind) ?? 0)) / jobs) * 10) / 10,
  }));
  return rows.sort((a, b) => b.bytes - a.bytes).slice(0, top);
}
