/**
 * The small JSONPath subset automations use (contract §3.2): `$`, `.key`, `['key']`, `[n]`,
 * `[*]` and `.*`. A key applied to an array applies to each element, so `$.items.id` and
 * `$.items[*].id` mean the same (EventBridge flattens arrays the same way).
 */

export type Segment = { readonly kind: 'key'; readonly name: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'wild' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The path's segments, or undefined when it is not in the subset. */
export function parseJsonPath(path: string): Segment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const out: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (path[i + 1] === '*') {
        out.push({ kind: 'wild' });
        i += 2;
        continue;
      }
      const m = /^[A-Za-z0-9_$@:-]+/.exec(path.slice(i + 1));
      if (m === null) return undefined;
      out.push({ kind: 'key', name: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const wild = /^\[\*\]/.exec(rest);
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
      if (wild !== null) {
        out.push({ kind: 'wild' });
        i += wild[0].length;
      } else if (index !== null) {
        out.push({ kind: 'index', index: Number(index[1]) });
        i += index[0].length;
      } else if (quoted !== null) {
        out.push({ kind: 'key', name: quoted[1] ?? quoted[2] ?? '' });
        i += quoted[0].length;
      } else {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  return out;
}

function step(value: unknown, seg: Segment): unknown[] {
  if (seg.kind === 'wild') return Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
  if (seg.kind === 'index') return Array.isArray(value) && seg.index < value.length ? [value[seg.index]] : [];
  if (Array.isArray(value)) return value.flatMap((v) => step(v, seg));
  return isRecord(value) && Object.hasOwn(value, seg.name) ? [value[seg.name]] : [];
}

/** Every value the path selects in `doc` (no values when it selects nothing). */
export function selectPath(segments: readonly Segment[], doc: unknown): unknown[] {
  let values: unknown[] = [doc];
  for (const seg of segments) values = values.flatMap((v) => step(v, seg));
  return values;
}

/** Shorthand for callers with a path string; an invalid path selects nothing. */
export function jsonPathValues(path: string, doc: unknown): unknown[] {
  const segments = parseJsonPath(path);
  return segments === undefined ? [] : selectPath(segments, doc);
}
