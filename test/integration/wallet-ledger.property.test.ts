/**
 * Random sequences of fund / drawdown / pending / capture / void and retries, through the real
 * HTTP routes and database: balances never go negative, available ≤ balance, every retry returns
 * the original, and the ledger sums to the balance.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

interface Tx { id: string; type: string; amount: number; parent_id?: string; amount_pending?: number }
interface Card { amount_balance: number; amount_available: number; amount_pending: number }

type Op =
  | { op: 'fund' | 'drawdown' | 'pending'; amount: number }
  | { op: 'capture'; pick: number; amount: number | null }
  | { op: 'void'; pick: number }
  | { op: 'retry'; pick: number };

const amount = fc.integer({ min: 1, max: 30_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('fund' as const, 'drawdown' as const, 'pending' as const), amount }),
  fc.record({ op: fc.constant('capture' as const), pick: fc.nat(), amount: fc.option(amount, { nil: null }) }),
  fc.record({ op: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('retry' as const), pick: fc.nat() }),
);

describe.each(dbTargets())('wallet ledger properties on $name', (target) => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness(target);
    token = await h.tokenFor(['admin:wallets']);
  });
  afterAll(() => h.close());

  it('holds the ledger invariants for random operation sequences with retries', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40_000 }), fc.array(opArb, { minLength: 1, maxLength: 25 }), async (initial, ops) => {
        run += 1;
        const cardId = `prop-${run}`;
        const created = await h.call('POST', '/wallets/cards', { token, body: { card_id: cardId, amount: initial, currency: 'NOK' } });
        expect(created.statusCode).toBe(200);
        const sent: Array<{ path: string; body: Record<string, unknown>; status: number; id: string | undefined }> = [];
        const pendings: string[] = [];
        for (const [i, o] of ops.entries()) {
          let path = '/wallets/transactions';
          let body: Record<string, unknown>;
          if (o.op === 'retry') {
            const previous = sent[o.pick % Math.max(1, sent.length)];
            if (previous === undefined) continue;
            const res = await h.call('POST', previous.path, { token, body: previous.body });
            if (previous.status === 200) {
              // A retry of a success returns the original entry and appends nothing.
              expect(res.statusCode).toBe(200);
              expect(res.json<Tx>().id).toBe(previous.id);
            } else if (res.statusCode === 200) {
              // A refusal stored nothing, so its ref_id is still free: the retry may now succeed.
              previous.status = 200;
              previous.id = res.json<Tx>().id;
              if (previous.body.pending === true) pendings.push(previous.id);
            } else {
              expect(res.statusCode).toBe(400);
            }
            continue;
          }
          if (o.op === 'capture' || o.op === 'void') {
            const parent = pendings[o.pick % Math.max(1, pendings.length)];
            if (parent === undefined) continue;
            path = `/wallets/transactions/${parent}/${o.op}`;
            body = o.op === 'capture' && o.amount !== null ? { ref_id: `r${i}`, amount: o.amount } : { ref_id: `r${i}` };
          } else {
            body = { card_id: cardId, ref_id: `r${i}`, amount: o.amount, currency: 'NOK', type: o.op === 'fund' ? 'fund' : 'drawdown', pending: o.op === 'pending' };
          }
          const res = await h.call('POST', path, { token, body });
          expect([200, 400]).toContain(res.statusCode);
          const id = res.statusCode === 200 ? res.json<Tx>().id : undefined;
          if (o.op === 'pending' && id !== undefined) pendings.push(id);
          sent.push({ path, body, status: res.statusCode, id });
        }
        const card = (await h.call('GET', `/wallets/cards/${cardId}`, { token })).json<Card>();
        const ledger = (await h.call('GET', `/wallets/cards/${cardId}/transactions`, { token })).json<Tx[]>();
        expect(card.amount_balance).toBeGreaterThanOrEqual(0);
        expect(card.amount_available).toBeGreaterThanOrEqual(0);
        expect(card.amount_available).toBeLessThanOrEqual(card.amount_balance);
        const sum = ledger.reduce((s, t) => s + (t.type === 'fund' ? t.amount : t.type === 'drawdown' ? -t.amount : 0), 0);
        expect(sum).toBe(card.amount_balance);
        const open = ledger.reduce((s, t) => s + (t.type === 'pending_capture' ? (t.amount_pending ?? 0) : 0), 0);
        expect(open).toBe(card.amount_pending);
        expect(card.amount_available).toBe(card.amount_balance - open);
        // One ledger entry per successful distinct request, plus the initial funding.
        expect(ledger).toHaveLength(sent.filter((s) => s.status === 200).length + (initial > 0 ? 1 : 0));
      }),
      { numRuns: 40 },
    );
  });
});
