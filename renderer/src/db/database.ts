/** Opens the till's replica. The storage is injected: Dexie (IndexedDB) in the till, memory in tests. */
import { createRxDatabase, type RxCollection, type RxDatabase, type RxStorage } from 'rxdb';
import type { DiscountRuleDoc, GiftCardDoc, ProductDoc, ProductGroupDoc, TaxGroupDoc } from '@pos/core';
import { discountRuleSchema, giftCardSchema, productGroupSchema, productSchema, saleSchema, taxGroupSchema, type SaleDoc } from './schemas.ts';

type Stored<T> = Omit<T, '_deleted'>;

export interface PosCollections {
  products: RxCollection<Stored<ProductDoc>>;
  tax_groups: RxCollection<Stored<TaxGroupDoc>>;
  product_groups: RxCollection<Stored<ProductGroupDoc>>;
  gift_cards: RxCollection<Stored<GiftCardDoc>>;
  discount_rules: RxCollection<Stored<DiscountRuleDoc>>;
  sales: RxCollection<SaleDoc>;
}

export type PosDatabase = RxDatabase<PosCollections>;

export async function openPosDatabase<I, O>(name: string, storage: RxStorage<I, O>): Promise<PosDatabase> {
  const db = await createRxDatabase<PosCollections>({ name, storage, multiInstance: false, eventReduce: true });
  await db.addCollections({
    products: { schema: productSchema },
    tax_groups: { schema: taxGroupSchema },
    product_groups: { schema: productGroupSchema },
    gift_cards: { schema: giftCardSchema },
    discount_rules: { schema: discountRuleSchema },
    sales: { schema: saleSchema },
  });
  return db;
}
