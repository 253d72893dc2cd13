/**
 * The one migration set for SQLite and PostgreSQL, applied at start-up. Append a file under
 * migrations/ and a line here; never edit a released migration.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { migration as auth } from './migrations/0001-auth.ts';
import { migration as wallets } from './migrations/0002-wallets.ts';
import { migration as products } from './migrations/0003-products.ts';
import { migration as sync } from './migrations/0004-sync.ts';
import { migration as discounts } from './migrations/0005-discounts.ts';
import { migration as webhooks } from './migrations/0006-webhooks.ts';
import { migration as customers } from './migrations/0007-customers.ts';
import { migration as receipts } from './migrations/0008-receipts.ts';
import { migration as loyalty } from './migrations/0009-loyalty.ts';
import { migration as offline } from './migrations/0010-offline.ts';
import { migration as syncNotify } from './migrations/0011-sync-notify.ts';

const migrations: Record<string, Migration> = {
  '0001_auth': auth,
  '0002_wallets': wallets,
  '0003_products': products,
  '0004_sync': sync,
  '0005_discounts': discounts,
  '0006_webhooks': webhooks,
  '0007_customers': customers,
  '0008_receipts': receipts,
  '0009_loyalty': loyalty,
  '0010_offline': offline,
  '0011_sync_notify': syncNotify,
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export async function migrateToLatest<T>(db: Kysely<T>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}
