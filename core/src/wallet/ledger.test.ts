import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountAvailable, applyEntry, EMPTY_TOTALS, foldEntries, pendingRemaining, planEntry, type CardTotals, type LedgerEntry } from './ledger.ts';

const funded = (amount: number): CardTotals => applyEntry(EMPTY_TOTALS, { type: 'fund', amount, parent_id: null });

describe('planEntry', () => {
  it('refuses a drawdown above what is available and never makes it partial', () => {
    const t = funded(500);
    const res = planEntry(t, { kind: 'drawdown', amount: 501, pending: false });
    expect(res).toEqual({ ok: false, error: { code: 'WALLET_INSUFFICIENT_FUNDS', message: 'amount 501 exceeds amount_available 500' } });
  });

  it('a pending drawdown locks the amount: balance unchanged, available reduced', () => {
    const t0 = funded(1000);
    const res = planEntry(t0, { kind: 'drawdown', amount: 400, pending: true });
    if (!res.ok) throw new Error(res.error.message);
    const t1 = applyEntry(t0, res.value);
    expect(t1.amount_balance).toBe(1000);
    expect(amountAvailable(t1)).toBe(600);
    // A second drawdown can only take what the lock left.
    expect(planEntry(t1, { kind: 'drawdown', amount: 601, pending: false }).ok).toBe(false);
  });

  it('captures partly, leaves the rest locked, then voids the rest', () => {
    const parent = { id: 'p1', type: 'pending_capture', amount: 400, parent_id: null } as const;
    let t = applyEntry(funded(1000), parent);
    const cap = planEntry(t, { kind: 'capture', parent, remaining: 400, amount: 150 });
    if (!cap.ok) throw new Error(cap.error.message);
    t = applyEntry(t, cap.value);
    expect(t).toMatchObject({ amount_balance: 850, amount_pending: 250 });
    expect(planEntry(t, { kind: 'capture', parent, remaining: 250, amount: 251 }).ok).toBe(false);
    const v = planEntry(t, { kind: 'void', parent, remaining: 250 });
    if (!v.ok) throw new Error(v.error.message);
    expect(v.value).toEqual({ type: 'voided', amount: 250, parent_id: 'p1' });
    t = applyEntry(t, v.value);
    expect(t).toMatchObject({ amount_balance: 850, amount_pending: 0 });
    expect(planEntry(t, { kind: 'void', parent, remaining: 0 })).toMatchObject({ ok: false, error: { code: 'WALLET_NOTHING_TO_SETTLE' } });
  });

  it('only a pending entry can be captured or voided', () => {
    const parent = { id: 'd1', type: 'drawdown', amount: 100, parent_id: null } as const;
    expect(planEntry(funded(1000), { kind: 'capture', parent, remaining: 100 })).toMatchObject({ ok: false, error: { code: 'WALLET_NOT_PENDING' } });
    expect(planEntry(funded(1000), { kind: 'void', parent, remaining: 100 })).toMatchObject({ ok: false, error: { code: 'WALLET_NOT_PENDING' } });
  });

  it('rejects amounts that are not positive integers', () => {
    for (const amount of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      expect(planEntry(funded(10), { kind: 'fund', amount })).toMatchObject({ ok: false, error: { code: 'WALLET_AMOUNT_INVALID' } });
    }
  });
});

type Op =
  | { op: 'fund'; amount: number }
  | { op: 'drawdown'; amount: number; pending: boolean }
  | { op: 'capture'; pick: number; amount: number | undefined }
  | { op: 'void'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('fund' as const), amount: fc.integer({ min: 1, max: 50_000 }) }),
  fc.record({ op: fc.constant('drawdown' as const), amount: fc.integer({ min: 1, max: 50_000 }), pending: fc.boolean() }),
  fc.record({ op: fc.constant('capture' as const), pick: fc.nat(), amount: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('void' as const), pick: fc.nat() }),
);

describe('ledger properties', () => {
  it('any sequence keeps 0 ≤ available ≤ balance, and the running totals equal the fold', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const entries: Array<LedgerEntry & { id: string }> = [];
        let t = EMPTY_TOTALS;
        for (const o of ops) {
          const pendings = entries.filter((e) => e.type === 'pending_capture');
          let res;
          if (o.op === 'fund') res = planEntry(t, { kind: 'fund', amount: o.amount });
          else if (o.op === 'drawdown') res = planEntry(t, { kind: 'drawdown', amount: o.amount, pending: o.pending });
          else {
            const parent = pendings[o.pick % Math.max(1, pendings.length)];
            if (parent === undefined) continue;
            const remaining = pendingRemaining(parent, entries.filter((e) => e.parent_id === parent.id));
            res = o.op === 'capture' ? planEntry(t, { kind: 'capture', parent, remaining, amount: o.amount }) : planEntry(t, { kind: 'void', parent, remaining });
          }
          if (!res.ok) continue;
          entries.push({ ...res.value, id: `e${entries.length}` });
          t = applyEntry(t, res.value);
          expect(t.amount_balance).toBeGreaterThanOrEqual(0);
          expect(amountAvailable(t)).toBeGreaterThanOrEqual(0);
          expect(amountAvailable(t)).toBeLessThanOrEqual(t.amount_balance);
        }
        expect(foldEntries(entries)).toEqual(t);
        const open = entries
          .filter((e) => e.type === 'pending_capture')
          .reduce((sum, p) => sum + pendingRemaining(p, entries.filter((e) => e.parent_id === p.id)), 0);
        expect(t.amount_pending).toBe(open);
        expect(t.amount_balance).toBe(t.amount_funds - t.amount_drawdown);
      }),
      { numRuns: 300 },
    );
  });
});
