/**
 * `npm start`: the sync server on an SQLite file (or DATABASE_URL) with the demo store seeded.
 * The till arrives with the next milestone; until then this serves the API only and says so.
 */
import { join } from 'node:path';
import { configFromEnv } from '../sync-server/src/config.ts';
import { openDb } from '../sync-server/src/db/connect.ts';
import { ensureDemoClients, seedDemoData } from '../sync-server/src/demo/seed.ts';
import { startServer } from '../sync-server/src/server.ts';

async function main(): Promise<void> {
  const config = configFromEnv();
  const credentialsFile = join(process.cwd(), 'data', 'demo-credentials.json');
  const db = openDb(config.DATABASE_URL);
  let creds = await ensureDemoClients(db, credentialsFile);
  await db.close();
  const server = await startServer({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  creds = await seedDemoData(server.url, credentialsFile, creds);
  const aid = creds.account_id;
  const till = creds.till;
  console.log(`
Sync server running at ${server.url}  (database ${config.DATABASE_URL})
OpenAPI document:   ${server.url}/v1/openapi.json

Demo account ${aid}; credentials are also in data/demo-credentials.json
  back office client: ${creds.admin.client_id} / ${creds.admin.client_secret}   (admin:wallets admin:products)
  till client:        ${till.client_id} / ${till.client_secret}
  gift card:          token ${creds.gift_card?.token ?? '?'}  PIN ${creds.gift_card?.pin ?? '?'}  (500.00 NOK when new)

Get a token:
  curl -s -X POST ${server.url}/v1/accounts/${aid}/auth/token \\
    -u '${till.client_id}:${till.client_secret}' -H 'Content-Type: application/json' \\
    -d '{"grant_type":"client_credentials","audience":"${server.url}/v1/accounts/${aid}"}'

The till (cashier and manager screens) is not built yet: this serves the API only.
Press Ctrl+C to stop.`);
  const stop = (): void => {
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
