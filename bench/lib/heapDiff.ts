// What a process's heap gained between two V8 heap snapshots of one inspector session (.heapsnapshot files, as
// DevTools writes them; object ids are stable within a session): the objects of the second that were not in the
// first, grouped by what they are and by what holds them — `ServerResponse <- Socket._httpMessage` — with their
// own (self) sizes. Enough to say, per connected device, which objects the provider keeps and who keeps them.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapGrowth {
  /** `Constructor <- Holder.field`; strings, code and arrays by their kind. */
  group: string;
  count: number;
  bytes: number;
  countPer: number;
  bytesPer: number;
}

const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Snapshot;

/** The new objects of `after`, largest groups first, in all and per `per` (connections). */
export function heapGrowth(before: string, after: string, per: number, top = 30): HeapGrowth[] {
  const old = load(before);
  const oldFields = old.snapshot.meta.node_fields;
  const oldIdAt = oldFields.indexOf('id');
  const oldIds = new Set<number>();
  for (let i = 0; i < old.nodes.length; i += oldFields.length) oldIds.add(old.nodes[i + oldIdAt]!);

  const { snapshot, nodes, edges, strings } = load(after);
  const { meta } = snapshot;
  const width = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const [typeAt, nameAt, idAt, sizeAt, edgeCountAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map(
    (f) => meta.node_fields.indexOf(f),
  ) as [number, number, number, number, number];
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) =>
    meta.edge_fields.indexOf(f),
  ) as [number, number, number];
  const count = nodes.length / width;
  const fresh = (n: number) => !oldIds.has(nodes[n * width + idAt]!);
  const type = (n: number) => meta.node_types[0][nodes[n * width + typeAt]!] ?? '?';
  const name = (n: number) => strings[nodes[n * width + nameAt]!] ?? '';
  const label = (n: number) => {
    const t = type(n);
    if (t === 'object') return name(n);
    if (t.includes('string') || t === 'number' || t === 'code') return `(${t})`;
    return `(${t}) ${name(n).slice(0, 40)}`;
  };

  // Each new object's holder: a new one if any (the per-connection structure), through a strong edge.
  const holder = new Int32Array(count).fill(-1);
  const via: string[] = new Array(count);
  for (let n = 0, e = 0; n < count; n++) {
    const end = e + nodes[n * width + edgeCountAt]! * edgeWidth;
    for (; e < end; e += edgeWidth) {
      const kind = meta.edge_types[0][edges[e + edgeTypeAt]!];
      if (kind === 'weak' || kind === 'shortcut') continue;
      const to = edges[e + toAt]! / width;
      if (!fresh(to) || (holder[to] !== -1 && (fresh(holder[to]!) || !fresh(n)))) continue;
      holder[to] = n;
      const edgeName = edges[e + edgeNameAt]!;
      via[to] = kind === 'element' || kind === 'hidden' ? `[${edgeName}]` : (strings[edgeName] ?? '');
    }
  }

  const groups = new Map<string, { count: number; bytes: number }>();
  for (let n = 0; n < count; n++) {
    if (!fresh(n)) continue;
    const h = holder[n]!;
    const key = `${label(n)} <- ${h === -1 ? '(old object)' : `${label(h)}.${via[n]}`}`;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[n * width + sizeAt]!;
    groups.set(key, g);
  }
  return [...groups]
    .map(([group, g]) => ({ group, ...g, countPer: g.count / per, bytesPer: g.bytes / per }))
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top);
}
