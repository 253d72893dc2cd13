/**
 * `webhooks.delivery.rps`: events per second from the outbox to a receiver on loopback. The sync
 * server runs as its own process (development mode, so it may call 127.0.0.1) with its default
 * delivery settings (32 deliveries in flight); the receiver runs here and answers 200 at once.
 * Each run commits N events in one transaction and stops the clock when the receiver has every
 * one of them (by event_delivery). The figure is the median of the runs; a warm-up run comes first.
 */
import { createServer } from 'node:http';
import { systemClock } from '../../sync-server/src/clock.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { enqueueEvents, type OutboxEvent } from '../../sync-server/src/services/webhooks/outbox.ts';
import type { DbTarget } from '../support/databases.ts';
import { startChildServer } from '../support/webhooks.ts';
import { clientToken } from './bench-client.ts';
import { median, type Metric } from './report.ts';

const AID = 'T12345678';

export async function webhooksBench(target: DbTarget, plan: { events: number; runs: number; id: string }): Promise<Metric[]> {
  const created = await target.create();
  await migrateToLatest(created.db.kysely);
  const admin = createAuthAdmin(createAuthRepo(created.db.kysely), systemClock);
  await admin.createAccount(AID, 'Bench');
  const client = await admin.createClient(AID, 'bench-hooks', ['admin:hooks']);

  const seen = new Set<string>();
  let wanted = Number.POSITIVE_INFINITY;
  let done: (() => void) | undefined;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['event-delivery'];
      if (req.headers.event === 'wallet_transaction' && typeof id === 'string') {
        seen.add(id);
        if (seen.size >= wanted) done?.();
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const addr = receiver.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('receiver has no port');
  const server = await startChildServer(created.url);
  try {
    const token = await clientToken(server.url, AID, client);
    const res = await fetch(`${server.url}/v1/accounts/${AID}/hooks/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { url: `http://127.0.0.1:${addr.port}/hooks`, secret: { type: 'HMAC-SHA1', value: 'bench-secret' } }, events: ['wallet_transaction'] }),
    });
    if (res.status !== 200) throw new Error(`subscription failed: ${res.status} ${await res.text()}`);

    const run = async (tag: string, n: number): Promise<number> => {
      seen.clear();
      wanted = n;
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      const at = new Date().toISOString();
      const events: OutboxEvent[] = Array.from({ length: n }, (_, i) => ({
        accountId: AID,
        event: 'wallet_transaction',
        payload: { transaction: { id: `${tag}-${i}`, created_at: at, created_by: 'bench', card_id: `card-${i % 500}`, metadata: {}, ref_id: `${tag}-ref-${i}`, amount: 100 + i, currency: 'NOK', type: 'drawdown' } },
      }));
      await created.db.kysely.transaction().execute(async (trx) => {
        for (let i = 0; i < events.length; i += 1000) await enqueueEvents(trx, events.slice(i, i + 1000), at);
      });
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${n} events delivered in 120 s`)), 120_000);
      });
      try {
        await Promise.race([all, limit]);
      } finally {
        clearTimeout(timer);
      }
      return n / ((performance.now() - started) / 1000);
    };

    await run('warm', Math.min(1000, plan.events));
    const rates: number[] = [];
    for (let i = 0; i < plan.runs; i += 1) rates.push(await run(`run${i}`, plan.events));
    return [{
      id: plan.id,
      value: Math.round(median(rates)),
      unit: 'events/s',
      target: null,
      better: 'higher',
      note: `median of ${plan.runs} runs of ${plan.events} events (${rates.map((r) => Math.round(r)).join(', ')}), ${target.name}, HMAC-signed, loopback receiver`,
    }];
  } finally {
    await server.stop();
    await new Promise<void>((resolve) => {
      receiver.closeAllConnections();
      receiver.close(() => resolve());
    });
    await created.dispose();
  }
}
