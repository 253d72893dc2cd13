/**
 * Automation filters, AWS-EventBridge style (contract §3.2): `{<JSONPath>: [matcher, …]}`.
 * Keys AND, matchers of one key OR; a path selecting several values (or an array) matches when
 * any of them does; a path selecting nothing matches nothing.
 *
 * Matchers: an exact value (string, number, boolean, null); `{"anything-but": value | [values]}`
 * (a value is present and is none of these); `{"numeric": [op, n, op, n, …]}` with `<`, `<=`,
 * `>`, `>=`, `=` (a number satisfying every pair).
 */
import type { AutomationFilter, FilterMatcher } from '@pos/core/contracts/discounts';
import { parseJsonPath, selectPath } from './json-path.ts';

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const NUMERIC_OPS = new Set(['<', '<=', '>', '>=', '=']);

function numericHolds(ops: ReadonlyArray<string | number>, v: number): boolean {
  for (let i = 0; i + 1 < ops.length; i += 2) {
    const op = ops[i];
    const n = ops[i + 1];
    if (typeof op !== 'string' || typeof n !== 'number') return false;
    const ok = op === '<' ? v < n : op === '<=' ? v <= n : op === '>' ? v > n : op === '>=' ? v >= n : op === '=' ? v === n : false;
    if (!ok) return false;
  }
  return true;
}

export function matcherMatches(m: FilterMatcher, v: unknown): boolean {
  if (isScalar(m)) return isScalar(v) && v === m;
  if ('anything-but' in m) {
    const excluded = Array.isArray(m['anything-but']) ? m['anything-but'] : [m['anything-but']];
    return isScalar(v) && v !== null && !excluded.some((x) => x === v);
  }
  return typeof v === 'number' && Number.isFinite(v) && numericHolds(m.numeric, v);
}

/** Does the event payload pass every key of the filter? An empty or absent filter passes all. */
export function filterMatches(filter: AutomationFilter | undefined, payload: unknown): boolean {
  for (const [path, matchers] of Object.entries(filter ?? {})) {
    const segments = parseJsonPath(path);
    if (segments === undefined) return false;
    const values = selectPath(segments, payload).flatMap((v) => (Array.isArray(v) ? v : [v]));
    if (!values.some((v) => matchers.some((m) => matcherMatches(m, v)))) return false;
  }
  return true;
}

/** Why a filter cannot be stored, or undefined when it is fine. */
export function filterProblem(filter: AutomationFilter): string | undefined {
  for (const [path, matchers] of Object.entries(filter)) {
    if (parseJsonPath(path) === undefined) return `filter key ${path} is not a supported JSONPath ($.a.b, $.a[*].b, $.a[0])`;
    for (const m of matchers) {
      if (isScalar(m) || 'anything-but' in m) continue;
      const ops = m.numeric;
      if (ops.length % 2 !== 0) return `filter ${path}: numeric takes operator/number pairs`;
      for (let i = 0; i < ops.length; i += 2) {
        const op = ops[i];
        const n = ops[i + 1];
        if (typeof op !== 'string' || !NUMERIC_OPS.has(op) || typeof n !== 'number') {
          return `filter ${path}: numeric takes pairs of an operator (<, <=, >, >=, =) and a number`;
        }
      }
    }
  }
  return undefined;
}
