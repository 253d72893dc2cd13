/**
 * The demo store's offers, as a grocery would run them. Each carries `metadata.demo_key` so a
 * second seeding finds it instead of adding a copy. Who may use each is a grant: `/` (anonymous
 * purchases) and `*` (any identified customer). Members earn 2 % bonus and spend it with the
 * code POINTS (a points rule: core/src/loyalty/bonus.ts).
 */
import { WEEKDAYS, type DiscountPost } from '@pos/core/contracts/discounts';
import { POINTS_RULE_KEY } from '@pos/core/loyalty/bonus';

const window = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2030-12-31T23:59:59Z' };

export interface DemoRule {
  readonly key: string;
  readonly grants: readonly ('/' | '*')[];
  readonly rule: DiscountPost;
}

export const DEMO_COUPON = 'WELCOME50';
/** The code a member gives to pay with their bonus points. */
export const DEMO_POINTS_CODE = 'POINTS';

export const DEMO_RULES: readonly DemoRule[] = [
  {
    key: 'fruit-10',
    grants: ['/', '*'],
    rule: {
      active: true, private: false,
      name: '10 % off fruit & vegetables', receipt_text: 'Fruit & veg −10 %',
      requirement: { ...window, item: { items: [{ group_id: 'fruit' }] } },
      reward: { type: 'discount_percent', value: 10 },
    },
  },
  {
    key: 'drinks-3-for-2',
    grants: ['/', '*'],
    rule: {
      active: true, private: false,
      name: 'Drinks: 3 for 2', receipt_text: 'Drinks 3 for 2',
      requirement: { ...window, item: { quantity: 3, items: [{ group_id: 'drinks' }] } },
      reward: { type: 'discount_item_quantity', value: 1 },
    },
  },
  {
    key: 'breakfast-deal',
    grants: ['/', '*'],
    rule: {
      active: true, private: false,
      name: 'Breakfast deal: pastry + coffee for 45 kr', receipt_text: 'Breakfast deal',
      requirement: {
        ...window,
        item: {
          mixes: [
            { items: [{ id: 'croissant' }, { id: 'cinnamon-bun' }], quantity: 1, reward_eligible: true },
            { items: [{ id: 'coffee-cup' }], quantity: 1, reward_eligible: true },
          ],
        },
      },
      reward: { type: 'discount_mix_new_price', value: 4500 },
      limitation: { discount_hours: { timezone: 'Europe/Oslo', hours: WEEKDAYS.map((day) => ({ day, start: '06:00', end: '11:00' })) } },
    },
  },
  {
    key: 'coffee-stamps',
    grants: ['*'],
    rule: {
      active: true, private: false,
      name: 'Coffee card: the 10th coffee is free', receipt_text: 'Coffee card: free coffee',
      requirement: { ...window, stamp: 9, item: { items: [{ id: 'coffee-cup' }] } },
      reward: { type: 'discount_item_percent', value: 100 },
      limitation: { stamp_expire_days: 365 },
    },
  },
  {
    key: 'bonus-2',
    grants: ['*'],
    rule: {
      active: true, private: false,
      name: 'Members earn 2 % bonus', receipt_text: 'Bonus 2 %',
      requirement: { ...window },
      // On what the member pays (after discounts and points), not on list prices.
      reward: { type: 'discount_percent', value: 2, effect: 'bonus', base: 'net' },
    },
  },
  {
    key: 'bonus-points',
    grants: ['*'],
    rule: {
      active: true, private: false,
      name: `Pay with bonus points (code ${DEMO_POINTS_CODE})`, receipt_text: 'Bonus points',
      description: '1 point = 1 øre; the bonus earned with "Members earn 2 % bonus" pays up to the whole receipt.',
      requirement: { ...window, discount_code: DEMO_POINTS_CODE },
      // The balance is the member's bonus, not this value (a points rule).
      reward: { type: 'discount_debit', value: 0 },
      metadata: { [POINTS_RULE_KEY]: true },
    },
  },
  {
    key: 'welcome-coupon',
    grants: ['/', '*'],
    rule: {
      active: true, private: false,
      name: `Coupon ${DEMO_COUPON}: 50 kr off 200 kr`, receipt_text: `Coupon ${DEMO_COUPON}`,
      requirement: { ...window, discount_code: DEMO_COUPON, gross_amount: 20_000 },
      reward: { type: 'discount_amount', value: 5_000 },
      limitation: { discount_repeat_usage: -1 },
    },
  },
];
