/**
 * Barcode → sellable product, kept in memory and updated from the replica, so a scan costs a map
 * lookup instead of a query (the scan-to-paint budget is one frame).
 */
import type { CartProduct, ProductDoc } from '@pos/core';
import type { PosDatabase } from '../../db/database.ts';

export interface ProductIndex {
  /** Resolves once the index holds the replica's products and tax groups. */
  readonly ready: Promise<void>;
  lookup(code: string): CartProduct | null;
  close(): void;
}

export function watchProductIndex(db: PosDatabase): ProductIndex {
  let byBarcode = new Map<string, CartProduct>();
  let rates = new Map<string, { percentage: number; tax_code?: string | undefined; tax_group?: string | undefined }>();
  let products: ReadonlyArray<Pick<ProductDoc, 'product_id' | 'product_name' | 'unit_gross_price' | 'currency' | 'barcodes' | 'tax_id' | 'group_ids'>> = [];

  function rebuild(): void {
    const next = new Map<string, CartProduct>();
    for (const p of products) {
      const rate = p.tax_id === undefined ? undefined : rates.get(p.tax_id);
      const product: CartProduct = {
        product_id: p.product_id,
        product_name: p.product_name,
        // A product without a tax group cannot be put on a receipt: treat it as unpriced.
        unit_gross_price: rate === undefined ? undefined : p.unit_gross_price,
        currency: p.currency,
        tax_percent: rate?.percentage ?? 0,
        tax_code: rate?.tax_code,
        tax_group: rate?.tax_group,
        group_ids: [...p.group_ids],
      };
      for (const code of p.barcodes) next.set(code, { ...product, barcode: code });
    }
    byBarcode = next;
  }

  let loaded = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const arrived = (): void => {
    loaded += 1;
    if (loaded === 2) markReady();
  };
  const subs = [
    db.tax_groups.find().$.subscribe((docs) => {
      rates = new Map(docs.map((d) => [d.tax_id, { percentage: d.percentage ?? 0, tax_code: d.tax_code, tax_group: d.tax_group }]));
      rebuild();
      if (loaded < 2) arrived();
    }),
    db.products.find().$.subscribe((docs) => {
      products = docs.map((d) => ({ product_id: d.product_id, product_name: d.product_name, unit_gross_price: d.unit_gross_price, currency: d.currency, barcodes: [...d.barcodes], tax_id: d.tax_id, group_ids: [...d.group_ids] }));
      rebuild();
      if (loaded < 2) arrived();
    }),
  ];
  return {
    ready,
    lookup: (code) => byBarcode.get(code.trim()) ?? null,
    close: () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}
