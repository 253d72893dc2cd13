/**
 * `npm start`: the sync server on an SQLite file (or DATABASE_URL) with the demo store seeded,
 * serving the till's browser build at `/`.
 */
import { join } from 'node:path';
import { build } from 'vite';
import { configFromEnv } from '../sync-server/src/config.ts';
import { openDb } from '../sync-server/src/db/connect.ts';
import { DEMO_COUPON } from '../sync-server/src/demo/discounts.ts';
import { ensureDemoClients, seedDemoData } from '../sync-server/src/demo/seed.ts';
import { startServer } from '../sync-server/src/server.ts';

async function main(): Promise<void> {
  const config = configFromEnv();
  const credentialsFile = join(process.cwd(), 'data', 'demo-credentials.json');
  const db = openDb(config.DATABASE_URL);
  let creds = await ensureDemoClients(db, credentialsFile);
  await db.close();
  // The till's browser build, served by the sync server at `/`.
  const tillDir = join(process.cwd(), 'renderer', 'dist');
  await build({ configFile: join(process.cwd(), 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  const server = await startServer({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', TILL_DIR: tillDir, NODE_ENV: process.env.NODE_ENV ?? 'development' });
  creds = await seedDemoData(server.url, credentialsFile, creds);
  const aid = creds.account_id;
  const till = creds.till;
  console.log(`
Till:               ${server.url}/   (open it in a browser; set up with the till client below)
Sync server running at ${server.url}  (database ${config.DATABASE_URL})
OpenAPI document:   ${server.url}/v1/openapi.json

Demo account ${aid}; credentials are also in data/demo-credentials.json
  back office client: ${creds.admin.client_id} / ${creds.admin.client_secret}   (admin:wallets admin:products admin:discounts admin:automations)
  till client:        ${till.client_id} / ${till.client_secret}
  gift card:          token ${creds.gift_card?.token ?? '?'}  PIN ${creds.gift_card?.pin ?? '?'}  (500.00 NOK when new)
  coupon:             ${DEMO_COUPON}  (50 kr off a sale of 200 kr or more; scan or type it at the till)

Get a token:
  curl -s -X POST ${server.url}/v1/accounts/${aid}/auth/token \\
    -u '${till.client_id}:${till.client_secret}' -H 'Content-Type: application/json' \\
    -d '{"grant_type":"client_credentials","audience":"${server.url}/v1/accounts/${aid}"}'

Electron's binary cannot be downloaded on this machine, so the till runs in the browser.
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
