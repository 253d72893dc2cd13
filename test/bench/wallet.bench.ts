/**
 * Online drawdowns through HTTP against a sync server in its own process:
 * - throughput: till clients draw from 1,000 well-funded cards by card token (the till's flow);
 * - contention: the same clients drain 8 small cards, so most requests race for the last funds.
 * `…overspend` adds, in øre, what was acknowledged beyond a card's funds and any difference
 * between acknowledged drawdowns and the ledger. It must be 0.
 */
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { systemClock } from '../../sync-server/src/clock.ts';
import type { DbTarget } from '../support/databases.ts';
import type { Metric } from './report.ts';
import { clientToken } from './bench-client.ts';
import { startServerProcess } from './server-process.ts';

const AID = 'T12345678';

interface Card { cardId: string; token: string; funds: number }

const token = (base: string, c: { client_id: string; client_secret: string }): Promise<string> => clientToken(base, AID, c);

async function createCards(base: string, adminToken: string, prefix: string, count: number, funds: number): Promise<Card[]> {
  const cards: Card[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, async (_, j) => {
        const cardId = `${prefix}-${start + j}`;
        const res = await fetch(`${base}/v1/accounts/${AID}/wallets/cards`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ card_id: cardId, amount: funds, currency: 'NOK', card_token: { expires_in: 86_400, expires_after_transaction: false } }),
        });
        const body: unknown = await res.json();
        const value = typeof body === 'object' && body !== null && 'card_token' in body && typeof body.card_token === 'object' && body.card_token !== null && 'token' in body.card_token
          && typeof body.card_token.token === 'object' && body.card_token.token !== null && 'value' in body.card_token.token && typeof body.card_token.token.value === 'string'
          ? body.card_token.token.value : undefined;
        if (res.status !== 200 || value === undefined) throw new Error(`card create failed: ${res.status}`);
        return { cardId, token: value, funds };
      }),
    );
    cards.push(...batch);
  }
  return cards;
}

interface LoadResult { okPerSecond: number; ok: number; refused: number; errors: number; acked: Map<string, number> }

async function drawdownLoad(base: string, tillToken: string, cards: readonly Card[], connections: number, seconds: number, amount: number, runTag: string): Promise<LoadResult> {
  let n = 0;
  const cardOf = new WeakMap<object, Card>();
  const acked = new Map<string, number>();
  let refused = 0;
  let errors = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    pipelining: 1,
    requests: [{
      method: 'POST',
      path: `/v1/accounts/${AID}/wallets/transactions`,
      headers: { authorization: `Bearer ${tillToken}`, 'content-type': 'application/json' },
      setupRequest: (req, context) => {
        const card = cards[n % cards.length];
        if (card === undefined) throw new Error('no cards');
        n += 1;
        cardOf.set(context, card);
        return { ...req, body: JSON.stringify({ token: card.token, ref_id: `${runTag}-${n}`, amount, currency: 'NOK' }) };
      },
      onResponse: (status, _body, context) => {
        const card = cardOf.get(context);
        if (status === 200 && card !== undefined) acked.set(card.cardId, (acked.get(card.cardId) ?? 0) + amount);
        else if (status === 400) refused += 1;
        else errors += 1;
      },
    }],
  });
  const ok = [...acked.values()].reduce((s, v) => s + v, 0) / amount;
  return { okPerSecond: ok / result.duration, ok, refused, errors: errors + result.errors, acked };
}

/**
 * Money handed out beyond a card's funds, plus drawdowns acknowledged to a till but missing from
 * the ledger (lost money). Entries recorded but not acknowledged are the requests still in flight
 * when the load stopped; a till's retry with the same ref_id would get them back.
 */
async function overspend(target: { db: { kysely: import('kysely').Kysely<import('../../sync-server/src/db/schema.ts').Database> } }, cards: readonly Card[], acked: Map<string, number>): Promise<number> {
  const rows = await sql<{ card_id: string; drawn: number | string; balance: number | string }>`
    select c.card_id, coalesce(sum(case when t.type = 'drawdown' then t.amount else 0 end), 0) as drawn,
           coalesce(sum(case when t.type = 'fund' then t.amount when t.type = 'drawdown' then -t.amount else 0 end), 0) as balance
    from wallet_cards c left join wallet_transactions t on t.card_pk = c.id group by c.card_id`.execute(target.db.kysely);
  const ledger = new Map(rows.rows.map((r) => [r.card_id, { drawn: Number(r.drawn), balance: Number(r.balance) }]));
  let over = 0;
  for (const c of cards) {
    const a = acked.get(c.cardId) ?? 0;
    const l = ledger.get(c.cardId) ?? { drawn: 0, balance: 0 };
    over += Math.max(0, Math.max(a, l.drawn) - c.funds) + Math.max(0, a - l.drawn) + Math.max(0, -l.balance);
  }
  return over;
}

export async function walletBench(target: DbTarget, plan: { connections: number[]; seconds: number; idPrefix: string; targets: Record<number, number> }): Promise<Metric[]> {
  const created = await target.create();
  await migrateToLatest(created.db.kysely);
  const admin = createAuthAdmin(createAuthRepo(created.db.kysely), systemClock);
  await admin.createAccount(AID, 'Bench');
  const adminClient = await admin.createClient(AID, 'bench-admin', ['admin:wallets']);
  const tillClient = await admin.createClient(AID, 'bench-till', ['write:wallets:/transactions']);
  const server = await startServerProcess(created.url);
  const metrics: Metric[] = [];
  try {
    const adminToken = await token(server.url, adminClient);
    const tillToken = await token(server.url, tillClient);
    // Warm-up on cards of its own: JIT, statement caches, connection pool.
    await drawdownLoad(server.url, tillToken, await createCards(server.url, adminToken, 'warm', 100, 100_000_000), 8, 2, 100, 'warm');
    for (const c of plan.connections) {
      const rich = await createCards(server.url, adminToken, `rich-c${c}`, 1000, 100_000_000);
      const run = await drawdownLoad(server.url, tillToken, rich, c, plan.seconds, 100, `c${c}`);
      // 8 cards with room for 100 drawdowns each: the run drains them and races for the last øre.
      const small = await createCards(server.url, adminToken, `small-c${c}`, 8, 10_000);
      const race = await drawdownLoad(server.url, tillToken, small, c, 2, 100, `race-c${c}`);
      const over = (await overspend(created, rich, run.acked)) + (await overspend(created, small, race.acked));
      const note = `${run.ok} ok in ${plan.seconds}s, ${run.errors} errors; race: ${race.ok} ok / ${race.refused} refused on 8 cards`;
      metrics.push({ id: `${plan.idPrefix}.c${c}`, value: Math.round(run.okPerSecond), unit: 'drawdowns/s', target: plan.targets[c] ?? null, better: 'higher', note });
      metrics.push({ id: `${plan.idPrefix}.c${c}.overspend`, value: over, unit: 'øre', target: 0, better: 'lower' });
      if (run.errors > 0 || race.errors > 0) console.error(`[bench] ${plan.idPrefix}.c${c}: ${run.errors + race.errors} requests failed with 5xx or socket errors`);
    }
  } finally {
    await server.stop();
    await created.dispose();
  }
  return metrics;
}
