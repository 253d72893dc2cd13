/**
 * The Hook's `fields` mask (contract §6.2), which limits what a delivery carries. Dintero calls the
 * syntax "loosely based on XPath": `a,b,c` selects several fields, `a/b/c` a field of a parent,
 * `a(b,c)` several fields of a parent, `*` every field (or array item) at its level. Arrays are
 * transparent: a mask on an array applies to each item. The mask applies to the event's object;
 * the envelope (`account_id`, `event`, `event_delivery`) is always sent.
 */

/** A field mapped to `true` is kept whole; to a sub-mask, kept as far as that mask selects. */
export type FieldMask = ReadonlyMap<string, FieldMask | true>;

const NAME = /[A-Za-z0-9_$@.:-]/;

export class FieldMaskError extends Error {}

/** Parses a mask; throws FieldMaskError with the position of the first problem. */
export function parseFieldMask(text: string): FieldMask {
  let i = 0;
  const fail = (what: string): never => {
    throw new FieldMaskError(`fields: ${what} at position ${i + 1}`);
  };
  const name = (): string => {
    if (text[i] === '*') {
      i += 1;
      return '*';
    }
    const start = i;
    while (i < text.length && NAME.test(text.charAt(i))) i += 1;
    if (i === start) fail('expected a field name');
    return text.slice(start, i);
  };
  const list = (): Map<string, FieldMask | true> => {
    const out = new Map<string, FieldMask | true>();
    for (;;) {
      const path = [name()];
      while (text[i] === '/') {
        i += 1;
        path.push(name());
      }
      let leaf: FieldMask | true = true;
      if (text[i] === '(') {
        i += 1;
        leaf = list();
        if (text[i] !== ')') fail("expected ')'");
        i += 1;
      }
      const item = path.reduceRight<FieldMask | true>((inner, key) => new Map([[key, inner]]), leaf);
      if (item !== true) for (const [k, v] of item) out.set(k, merge(out.get(k), v));
      if (text[i] !== ',') return out;
      i += 1;
    }
  };
  const mask = list();
  if (i !== text.length) fail('unexpected character');
  return mask;
}

function merge(a: FieldMask | true | undefined, b: FieldMask | true): FieldMask | true {
  if (a === undefined) return b;
  if (a === true || b === true) return true;
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, merge(out.get(k), v));
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The part of `value` the mask selects. */
export function applyFieldMask(value: unknown, mask: FieldMask): unknown {
  if (Array.isArray(value)) return value.map((v) => applyFieldMask(v, mask));
  if (!isRecord(value)) return value;
  const star = mask.get('*');
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const own = mask.get(key);
    const sub = own === undefined ? star : star === undefined ? own : merge(own, star);
    if (sub === undefined) continue;
    out[key] = sub === true ? v : applyFieldMask(v, sub);
  }
  return out;
}
