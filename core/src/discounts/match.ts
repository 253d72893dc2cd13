/**
 * Item matching (contract §3.2, engine decision 3).
 *
 * - `{id}` matches a line whose `id` is that id; `{group_id}` matches a line with that id among
 *   `groups[].id`; both given → both must match.
 * - A leading `*` is a glob: `*` alone matches everything (also a line without an id or without
 *   groups), `*abc` matches ids (or group ids) ending in `abc`. Only a leading `*` is special.
 * - `{"id": "ANY_ITEM"}` matches any line.
 * - Comparison is exact (case-sensitive): ids are the POS's identifiers (EANs, SKUs).
 */
import type { ItemMatch } from '../contracts/discounts.ts';

export const ANY_ITEM = 'ANY_ITEM';

export type Pattern =
  | { readonly kind: 'all' }
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'suffix'; readonly text: string };

export interface Matcher {
  readonly any: boolean;
  readonly id: Pattern | undefined;
  readonly group: Pattern | undefined;
}

/** What a matcher needs of a receipt line. */
export interface Matchable {
  readonly id: string | undefined;
  readonly groups: readonly string[];
}

export function compilePattern(text: string): Pattern {
  if (text === '*') return { kind: 'all' };
  if (text.startsWith('*')) return { kind: 'suffix', text: text.slice(1) };
  return { kind: 'exact', text };
}

export function compileMatcher(item: ItemMatch): Matcher {
  if (item.id === ANY_ITEM && item.group_id === undefined) return { any: true, id: undefined, group: undefined };
  return {
    any: false,
    id: item.id === undefined ? undefined : compilePattern(item.id),
    group: item.group_id === undefined ? undefined : compilePattern(item.group_id),
  };
}

function patternMatches(p: Pattern, value: string | undefined): boolean {
  if (p.kind === 'all') return true;
  if (value === undefined) return false;
  return p.kind === 'exact' ? value === p.text : value.endsWith(p.text);
}

export function matches(m: Matcher, line: Matchable): boolean {
  if (m.any) return true;
  if (m.id !== undefined && !patternMatches(m.id, line.id)) return false;
  if (m.group !== undefined) {
    const g = m.group;
    if (g.kind !== 'all') {
      let any = false;
      for (let i = 0; i < line.groups.length && !any; i++) any = patternMatches(g, line.groups[i]);
      if (!any) return false;
    }
  }
  return m.id !== undefined || m.group !== undefined;
}

export function matchesAny(ms: readonly Matcher[], line: Matchable): boolean {
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (m !== undefined && matches(m, line)) return true;
  }
  return false;
}

/** "item cola", "group drinks", "items ending in -light", "any item" — for trace sentences. */
export function describeMatcher(item: ItemMatch): string {
  if (item.id === ANY_ITEM && item.group_id === undefined) return 'any item';
  const part = (kind: string, text: string): string =>
    text === '*' ? `any ${kind}` : text.startsWith('*') ? `${kind}s ending in ${text.slice(1)}` : `${kind} ${text}`;
  const parts: string[] = [];
  if (item.id !== undefined) parts.push(part('item', item.id));
  if (item.group_id !== undefined) parts.push(part('group', item.group_id));
  return parts.join(' in ');
}

export function describeItems(items: readonly ItemMatch[]): string {
  if (items.length === 0) return 'the receipt';
  const texts = items.map(describeMatcher);
  if (texts.length === 1) return texts[0] ?? '';
  return `${texts.slice(0, -1).join(', ')} or ${texts[texts.length - 1] ?? ''}`;
}
