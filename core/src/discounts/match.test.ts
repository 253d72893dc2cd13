import { describe, expect, it } from 'vitest';
import { compileMatcher, describeItems, matches } from './match.ts';

const line = (id: string | undefined, ...groups: string[]) => ({ id, groups });

describe('matches', () => {
  it('id, group, both', () => {
    expect(matches(compileMatcher({ id: 'cola' }), line('cola'))).toBe(true);
    expect(matches(compileMatcher({ id: 'cola' }), line('Cola'))).toBe(false);
    expect(matches(compileMatcher({ group_id: 'drinks' }), line('x', 'food', 'drinks'))).toBe(true);
    expect(matches(compileMatcher({ id: 'cola', group_id: 'drinks' }), line('cola', 'food'))).toBe(false);
    expect(matches(compileMatcher({ id: 'cola', group_id: 'drinks' }), line('cola', 'drinks'))).toBe(true);
  });

  it('a leading * is a glob; only a leading one', () => {
    expect(matches(compileMatcher({ id: '*' }), line(undefined))).toBe(true);
    expect(matches(compileMatcher({ id: '*-light' }), line('cola-light'))).toBe(true);
    expect(matches(compileMatcher({ id: '*-light' }), line('cola-lights'))).toBe(false);
    expect(matches(compileMatcher({ id: '*-light' }), line(undefined))).toBe(false);
    expect(matches(compileMatcher({ id: 'cola*' }), line('cola-light'))).toBe(false);
    expect(matches(compileMatcher({ id: 'cola*' }), line('cola*'))).toBe(true);
    expect(matches(compileMatcher({ group_id: '*ks' }), line('x', 'drinks'))).toBe(true);
  });

  it('ANY_ITEM matches any line', () => {
    expect(matches(compileMatcher({ id: 'ANY_ITEM' }), line(undefined))).toBe(true);
    // With a group it is just an id that happens to be spelt ANY_ITEM.
    expect(matches(compileMatcher({ id: 'ANY_ITEM', group_id: 'g' }), line('x', 'g'))).toBe(false);
  });
});

describe('describeItems', () => {
  it('reads like English', () => {
    expect(describeItems([{ group_id: 'drinks' }])).toBe('group drinks');
    expect(describeItems([{ id: 'cola' }, { id: '*-light' }, { id: 'x', group_id: 'g' }])).toBe('item cola, items ending in -light or item x in group g');
    expect(describeItems([])).toBe('the receipt');
  });
});
