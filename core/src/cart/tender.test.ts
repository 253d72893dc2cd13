import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountDue, cashTender, changeDue, externalTender, giftCardAmount, isPaid, tenderedAmount, type Tender } from './tender.ts';

describe('split tenders', () => {
  it('pays 254,49 with a gift card, part on the card terminal and the rest in cash with change', () => {
    const total = 25449;
    const tenders: Tender[] = [];

    // Gift card holding 100,00 pays all of it.
    const fromCard = giftCardAmount(10_000, amountDue(total, tenders));
    expect(fromCard).toBe(10_000);
    tenders.push({ kind: 'gift_card', amount: fromCard, card_id: 'c1', transaction_id: 't1' });
    expect(amountDue(total, tenders)).toBe(15449);

    // 50,00 on the bank card.
    const card = externalTender(amountDue(total, tenders), 5000);
    if (!card.ok) throw new Error(card.error.message);
    tenders.push(card.value);
    expect(isPaid(total, tenders)).toBe(false);

    // 200,00 in notes for the 104,49 left: 95,51 back.
    const cash = cashTender(amountDue(total, tenders), 20_000);
    expect(cash).toEqual({ ok: true, value: { tender: { kind: 'cash', amount: 10449, given: 20_000 }, change: 9551 } });
    if (!cash.ok) throw new Error(cash.error.message);
    tenders.push(cash.value.tender);

    expect(isPaid(total, tenders)).toBe(true);
    expect(amountDue(total, tenders)).toBe(0);
    expect(tenderedAmount(tenders)).toBe(total);
    expect(changeDue(tenders)).toBe(9551);
  });

  it('cash below the due is accepted whole, with no change', () => {
    expect(cashTender(10_000, 5000)).toEqual({ ok: true, value: { tender: { kind: 'cash', amount: 5000, given: 5000 }, change: 0 } });
    expect(cashTender(10_000, 10_000)).toEqual({ ok: true, value: { tender: { kind: 'cash', amount: 10_000, given: 10_000 }, change: 0 } });
  });

  it('refuses cash that is not a positive integer, and any tender once nothing is due', () => {
    for (const given of [0, -100, 10.5, Number.NaN]) {
      expect(cashTender(1000, given)).toMatchObject({ ok: false, error: { code: 'TENDER_AMOUNT_INVALID' } });
    }
    expect(cashTender(0, 500)).toEqual({ ok: false, error: { code: 'TENDER_NOTHING_DUE', message: 'nothing is due' } });
    expect(externalTender(0)).toMatchObject({ ok: false, error: { code: 'TENDER_NOTHING_DUE' } });
  });

  it('the card terminal takes the whole due by default, a part on request, never more', () => {
    expect(externalTender(4321)).toEqual({ ok: true, value: { kind: 'external_card', amount: 4321 } });
    expect(externalTender(4321, 1000)).toEqual({ ok: true, value: { kind: 'external_card', amount: 1000 } });
    expect(externalTender(4321, 4322)).toEqual({ ok: false, error: { code: 'TENDER_EXCEEDS_DUE', message: 'card amount 4322 exceeds the 4321 due' } });
    for (const amount of [0, -1, 0.5]) {
      expect(externalTender(4321, amount)).toMatchObject({ ok: false, error: { code: 'TENDER_AMOUNT_INVALID' } });
    }
  });

  it('a gift card pays min(available, due); 0 means it cannot pay', () => {
    expect(giftCardAmount(500, 1200)).toBe(500);
    expect(giftCardAmount(5000, 1200)).toBe(1200);
    expect(giftCardAmount(0, 1200)).toBe(0);
    expect(giftCardAmount(-50, 1200)).toBe(0);
    expect(giftCardAmount(5000, 0)).toBe(0);
  });

  it('amountDue is never negative, even for tenders that over-pay', () => {
    expect(amountDue(1000, [{ kind: 'external_card', amount: 1500 }])).toBe(0);
    expect(amountDue(0, [])).toBe(0);
    expect(isPaid(0, [])).toBe(true);
    expect(changeDue([{ kind: 'external_card', amount: 1500 }])).toBe(0);
  });

  it('a negative or fractional total or due is a bug and throws', () => {
    expect(() => amountDue(-1, [])).toThrow(RangeError);
    expect(() => cashTender(10.5, 100)).toThrow(RangeError);
    expect(() => externalTender(-5)).toThrow(RangeError);
    expect(() => giftCardAmount(100, Number.NaN)).toThrow(RangeError);
  });
});

type Attempt =
  | { kind: 'cash'; given: number }
  | { kind: 'gift_card'; available: number }
  | { kind: 'external_card'; amount: number | undefined };

const attemptArb: fc.Arbitrary<Attempt> = fc.oneof(
  fc.record({ kind: fc.constant('cash' as const), given: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(20_000, 50_000, 100_000)) }),
  fc.record({ kind: fc.constant('gift_card' as const), available: fc.integer({ min: 0, max: 60_000 }) }),
  fc.record({ kind: fc.constant('external_card' as const), amount: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined }) }),
);

describe('tender properties', () => {
  it('any order of tenders that pays the total: paid exactly, change = the cash over-tender', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.array(attemptArb, { maxLength: 12 }), (total, attempts) => {
        const tenders: Tender[] = [];
        let expectedChange = 0;
        for (const a of attempts) {
          const due = amountDue(total, tenders);
          expect(due).toBe(total - tenderedAmount(tenders));
          if (a.kind === 'cash') {
            const res = cashTender(due, a.given);
            if (!res.ok) {
              expect(res.error.code).toBe('TENDER_NOTHING_DUE');
              continue;
            }
            expect(res.value.change).toBe(Math.max(0, a.given - due));
            expectedChange += res.value.change;
            tenders.push(res.value.tender);
          } else if (a.kind === 'gift_card') {
            const amount = giftCardAmount(a.available, due);
            if (amount === 0) continue;
            tenders.push({ kind: 'gift_card', amount, card_id: 'c', transaction_id: `t${tenders.length}` });
          } else {
            const res = externalTender(due, a.amount);
            if (!res.ok) continue;
            tenders.push(res.value);
          }
          expect(amountDue(total, tenders)).toBeGreaterThanOrEqual(0);
        }
        // Whatever is left goes on the card terminal.
        const rest = externalTender(amountDue(total, tenders));
        if (rest.ok) tenders.push(rest.value);

        expect(isPaid(total, tenders)).toBe(true);
        expect(tenderedAmount(tenders)).toBe(total);
        // Over-tender: cash handed over minus the part of the total that cash had to cover.
        const cashGiven = tenders.reduce((s, t) => (t.kind === 'cash' ? s + t.given : s), 0);
        const nonCash = tenders.reduce((s, t) => (t.kind === 'cash' ? s : s + t.amount), 0);
        expect(changeDue(tenders)).toBe(cashGiven - (total - nonCash));
        expect(changeDue(tenders)).toBe(expectedChange);
        // Only the tender that settled the sale can carry change.
        tenders.slice(0, -1).forEach((t) => expect(t.kind === 'cash' ? t.given - t.amount : 0).toBe(0));
      }),
      { numRuns: 1000 },
    );
  });

  it('amountDue is never negative and equals max(0, total − Σ amount) for any tenders', () => {
    const tenderArb: fc.Arbitrary<Tender> = fc.oneof(
      fc.integer({ min: 0, max: 100_000 }).chain((amount) => fc.record({ kind: fc.constant('cash' as const), amount: fc.constant(amount), given: fc.integer({ min: amount, max: amount + 100_000 }) })),
      fc.record({ kind: fc.constant('gift_card' as const), amount: fc.integer({ min: 0, max: 100_000 }), card_id: fc.constant('c'), transaction_id: fc.constant('t') }),
      fc.record({ kind: fc.constant('external_card' as const), amount: fc.integer({ min: 0, max: 100_000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300_000 }), fc.array(tenderArb, { maxLength: 8 }), (total, tenders) => {
        const due = amountDue(total, tenders);
        expect(due).toBeGreaterThanOrEqual(0);
        expect(due).toBe(Math.max(0, total - tenders.reduce((s, t) => s + t.amount, 0)));
        expect(isPaid(total, tenders)).toBe(due === 0);
      }),
      { numRuns: 500 },
    );
  });
});
