/**
 * Opens the till's replica. The storage is injected: Dexie (IndexedDB) in the till, memory in tests.
 * A collection whose schema changes gets a new version and a migration, so a till that already
 * holds data (above all unsent sales) opens the new build without losing anything.
 */
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase, type RxStorage } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import type { CustomerLoyaltyDoc, DiscountRuleDoc, GiftCardDoc, ProductDoc, ProductGroupDoc, TaxGroupDoc } from '@pos/core';
import {
  customerLoyaltySchema,
  customerSchema,
  discountRuleSchema,
  giftCardMigrations,
  giftCardSchema,
  outboxSchema,
  productGroupSchema,
  productSchema,
  saleMigrations,
  saleSchema,
  taxGroupSchema,
  type OutboxDoc,
  type SaleDoc,
  type StoredCustomerDoc,
} from './schemas.ts';

type Stored<T> = Omit<T, '_deleted'>;

export interface PosCollections {
  products: RxCollection<Stored<ProductDoc>>;
  tax_groups: RxCollection<Stored<TaxGroupDoc>>;
  product_groups: RxCollection<Stored<ProductGroupDoc>>;
  gift_cards: RxCollection<Stored<GiftCardDoc>>;
  discount_rules: RxCollection<Stored<DiscountRuleDoc>>;
  customers: RxCollection<StoredCustomerDoc>;
  customer_loyalty: RxCollection<Stored<CustomerLoyaltyDoc>>;
  sales: RxCollection<SaleDoc>;
  outbox: RxCollection<OutboxDoc>;
}

export type PosDatabase = RxDatabase<PosCollections>;

addRxPlugin(RxDBMigrationSchemaPlugin);
// Local documents hold this till's own state that is no collection (the offline lease).
addRxPlugin(RxDBLocalDocumentsPlugin);

export async function openPosDatabase<I, O>(name: string, storage: RxStorage<I, O>): Promise<PosDatabase> {
  const db = await createRxDatabase<PosCollections>({ name, storage, multiInstance: false, eventReduce: true, localDocuments: true });
  await db.addCollections({
    products: { schema: productSchema },
    tax_groups: { schema: taxGroupSchema },
    product_groups: { schema: productGroupSchema },
    gift_cards: { schema: giftCardSchema, migrationStrategies: giftCardMigrations },
    discount_rules: { schema: discountRuleSchema },
    customers: { schema: customerSchema },
    customer_loyalty: { schema: customerLoyaltySchema },
    sales: { schema: saleSchema, migrationStrategies: saleMigrations },
    outbox: { schema: outboxSchema },
  });
  return db;
}
