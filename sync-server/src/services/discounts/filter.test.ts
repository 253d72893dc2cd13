import { describe, expect, it } from 'vitest';
import { substitute } from './automations.ts';
import { filterMatches, filterProblem, matcherMatches } from './filter.ts';
import { jsonPathValues, parseJsonPath } from './json-path.ts';

const receipt = {
  customer_id: 'c1',
  gross_amount: 1200,
  store: { id: 'oslo-1', name: 'Oslo' },
  status: 'GOLD',
  items: [{ id: 'coffee', groups: [{ id: 'drinks' }] }, { id: 'bun', groups: [{ id: 'food' }, { id: 'bakery' }] }],
  addresses: [{ postal_code: '0150' }, { postal_code: '5003' }],
  'odd key': true,
  nothing: null,
};

describe('JSONPath subset', () => {
  it('selects keys, indexes, wildcards and quoted keys; keys apply to each element of an array', () => {
    expect(jsonPathValues('$.store.id', receipt)).toEqual(['oslo-1']);
    expect(jsonPathValues('$.items[*].id', receipt)).toEqual(['coffee', 'bun']);
    expect(jsonPathValues('$.items.id', receipt)).toEqual(['coffee', 'bun']);
    expect(jsonPathValues('$.items[1].groups[*].id', receipt)).toEqual(['food', 'bakery']);
    expect(jsonPathValues('$.items[0]', receipt)).toEqual([receipt.items[0]]);
    expect(jsonPathValues('$.items[5].id', receipt)).toEqual([]);
    expect(jsonPathValues("$['odd key']", receipt)).toEqual([true]);
    expect(jsonPathValues('$.store.*', receipt)).toEqual(['oslo-1', 'Oslo']);
    expect(jsonPathValues('$.missing.deeper', receipt)).toEqual([]);
    expect(jsonPathValues('$', 5)).toEqual([5]);
  });

  it('refuses what is not in the subset', () => {
    for (const bad of ['store.id', '$..id', '$.items[?(@.id)]', '$.a[', '$.', '$[1:2]']) expect(parseJsonPath(bad), bad).toBeUndefined();
  });
});

describe('EventBridge-style filters', () => {
  it('exact, anything-but (value or list) and numeric matchers', () => {
    expect(matcherMatches('oslo-1', 'oslo-1')).toBe(true);
    expect(matcherMatches(1200, 1200)).toBe(true);
    expect(matcherMatches('1200', 1200)).toBe(false);
    expect(matcherMatches(null, null)).toBe(true);
    expect(matcherMatches({ 'anything-but': 'oslo-1' }, 'bergen')).toBe(true);
    expect(matcherMatches({ 'anything-but': ['oslo-1', 'bergen'] }, 'bergen')).toBe(false);
    expect(matcherMatches({ 'anything-but': 'x' }, undefined)).toBe(false);
    expect(matcherMatches({ numeric: ['>', 0, '<=', 1500] }, 1200)).toBe(true);
    expect(matcherMatches({ numeric: ['>', 0, '<=', 1500] }, 1500.5)).toBe(false);
    expect(matcherMatches({ numeric: ['=', 1200] }, 1200)).toBe(true);
    expect(matcherMatches({ numeric: ['>=', 5] }, '10')).toBe(false);
  });

  it('keys AND, values OR, several selected values match when any does, nothing selected matches nothing', () => {
    expect(filterMatches({ '$.store.id': ['bergen', 'oslo-1'], '$.gross_amount': [{ numeric: ['>=', 1000] }] }, receipt)).toBe(true);
    expect(filterMatches({ '$.store.id': ['oslo-1'], '$.gross_amount': [{ numeric: ['>=', 5000] }] }, receipt)).toBe(false);
    expect(filterMatches({ '$.addresses[*].postal_code': ['5003'] }, receipt)).toBe(true);
    expect(filterMatches({ '$.items[*].groups[*].id': ['bakery'] }, receipt)).toBe(true);
    expect(filterMatches({ '$.status': [{ 'anything-but': ['GOLD'] }] }, receipt)).toBe(false);
    expect(filterMatches({ '$.nothing': [null] }, receipt)).toBe(true);
    expect(filterMatches({ '$.missing': [{ 'anything-but': 'x' }] }, receipt)).toBe(false);
    expect(filterMatches(undefined, receipt)).toBe(true);
    expect(filterMatches({}, receipt)).toBe(true);
  });

  it('names the problem of a filter that cannot be stored', () => {
    expect(filterProblem({ '$.store.id': ['x'], '$.n': [{ numeric: ['<', 5, '>=', 1] }] })).toBeUndefined();
    expect(filterProblem({ '$..id': ['x'] })).toMatch(/JSONPath/);
    expect(filterProblem({ '$.n': [{ numeric: ['<', 5, '>'] }] })).toMatch(/pairs/);
    expect(filterProblem({ '$.n': [{ numeric: [5, '<'] }] })).toMatch(/operator/);
  });
});

describe('HTTP action placeholders', () => {
  it('replaces JSONPath strings at any depth and leaves other strings alone', () => {
    expect(substitute({ customers: ['$.customer_id'], store: '$.store', total: '$.gross_amount', note: '$5 off', ids: '$.items[*].id', none: '$.missing' }, receipt)).toEqual({
      customers: ['c1'], store: receipt.store, total: 1200, note: '$5 off', ids: ['coffee', 'bun'], none: null,
    });
  });
});
