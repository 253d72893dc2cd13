/**
 * Wire shapes of Dintero's Products service (contract §7): catalogs, products, product groups and
 * tax groups, plus two extensions the till needs (`barcodes`, `tax_id` on a product).
 *
 * PUT bodies are partial updates, as elsewhere in Dintero (discount rules, customers): a field
 * that is absent keeps its value, `null` clears it.
 */
import { z } from 'zod';
import { AmountSchema, CurrencySchema } from '../money.ts';
import { ClientKeySchema, DateTimeSchema, EntitySchema, PagingQuerySchema } from './common.ts';

const NameSchema = z.string().max(255);
const ShortTextSchema = z.string().max(255);

/** Lets a PUT body clear an optional field with `null`. */
const clearable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export { EntitySchema, type Entity } from './common.ts';

// ---------------------------------------------------------------- Catalogs

export const CatalogPostSchema = z.strictObject({
  catalog_id: ClientKeySchema.optional().describe('Generated (a UUID) when absent'),
  catalog_name: NameSchema.optional(),
});
export type CatalogPost = z.infer<typeof CatalogPostSchema>;

export const CatalogPutSchema = z.strictObject({
  catalog_id: ClientKeySchema.optional().describe('Must equal the path catalog_id when given (ids cannot be renamed)'),
  catalog_name: clearable(NameSchema),
});
export type CatalogPut = z.infer<typeof CatalogPutSchema>;

export const CatalogSchema = EntitySchema.extend({
  catalog_id: z.string(),
  catalog_name: z.string().optional(),
});
export type Catalog = z.infer<typeof CatalogSchema>;

/** Lists are the wrapper shape; `starting_after` is present only when another page exists. */
export const CatalogListSchema = z.object({ catalogs: z.array(CatalogSchema), starting_after: z.string().optional() });
export type CatalogList = z.infer<typeof CatalogListSchema>;

// ---------------------------------------------------------------- Groups

export const GroupPostSchema = z.strictObject({
  group_id: ClientKeySchema.optional().describe('Generated (a UUID) when absent'),
  group_name: NameSchema.optional(),
});
export type GroupPost = z.infer<typeof GroupPostSchema>;

export const GroupPutSchema = z.strictObject({
  group_id: ClientKeySchema.optional().describe('Must equal the path group_id when given (ids cannot be renamed)'),
  group_name: clearable(NameSchema),
});
export type GroupPut = z.infer<typeof GroupPutSchema>;

export const GroupSchema = EntitySchema.extend({
  group_id: z.string(),
  group_name: z.string().optional(),
});
export type Group = z.infer<typeof GroupSchema>;

export const GroupListSchema = z.object({ groups: z.array(GroupSchema), starting_after: z.string().optional() });
export type GroupList = z.infer<typeof GroupListSchema>;

export const GroupListQuerySchema = PagingQuerySchema.extend({ group_id: ClientKeySchema.optional() });
export type GroupListQuery = z.infer<typeof GroupListQuerySchema>;

// ---------------------------------------------------------------- Tax groups

const PercentageSchema = z.number().min(0).max(100);

export const TaxGroupPostSchema = z.strictObject({
  tax_id: ClientKeySchema.optional().describe('Generated (a UUID) when absent'),
  tax_group: NameSchema.optional().describe('The name shown for the tax group, e.g. "MVA høy"'),
  description: z.string().max(1000).optional(),
  amount: AmountSchema.optional().describe('Fixed tax amount in minor units'),
  percentage: PercentageSchema.optional().describe('Tax rate in percent, 0–100 (25 = 25 %)'),
  tax_code: ShortTextSchema.optional(),
});
export type TaxGroupPost = z.infer<typeof TaxGroupPostSchema>;

export const TaxGroupPutSchema = z.strictObject({
  tax_id: ClientKeySchema.optional().describe('Must equal the path tax_id when given (ids cannot be renamed)'),
  tax_group: clearable(NameSchema),
  description: clearable(z.string().max(1000)),
  amount: clearable(AmountSchema),
  percentage: clearable(PercentageSchema),
  tax_code: clearable(ShortTextSchema),
});
export type TaxGroupPut = z.infer<typeof TaxGroupPutSchema>;

export const TaxGroupSchema = EntitySchema.extend({
  tax_id: z.string(),
  tax_group: z.string().optional(),
  description: z.string().optional(),
  amount: z.number().int().optional(),
  percentage: z.number().optional(),
  tax_code: z.string().optional(),
});
export type TaxGroup = z.infer<typeof TaxGroupSchema>;

export const TaxGroupListSchema = z.object({ tax_groups: z.array(TaxGroupSchema), starting_after: z.string().optional() });
export type TaxGroupList = z.infer<typeof TaxGroupListSchema>;

// ---------------------------------------------------------------- Products

export const DimensionSchema = z.strictObject({
  color: ShortTextSchema.optional(),
  size: ShortTextSchema.optional(),
  style: ShortTextSchema.optional(),
  config: ShortTextSchema.optional(),
  variant: ShortTextSchema.optional(),
});
export type Dimension = z.infer<typeof DimensionSchema>;

export const ImageSchema = z.strictObject({
  href: z.url().max(2048),
  title: ShortTextSchema.optional(),
  rel: ShortTextSchema.optional().describe('Reserved: thumbnail_image, medium_image, large_image, webshop'),
  type: ShortTextSchema.optional().describe('Media type of the link'),
});
export type Image = z.infer<typeof ImageSchema>;

export const ProductLocationSchema = z.strictObject({
  location_id: ClientKeySchema.optional(),
  location_name: NameSchema.optional(),
  is_available_for_shipping: z.boolean().default(true),
  is_available_for_pickup: z.boolean().default(false),
  number_of_items_in_storage: z.number().int().min(0).optional(),
});
export type ProductLocation = z.infer<typeof ProductLocationSchema>;

export const BarcodeSchema = z
  .string()
  .regex(/^[0-9A-Za-z-]{1,64}$/, 'a barcode is 1–64 characters of 0-9, A-Z, a-z and -')
  .describe('An EAN/GTIN/UPC/PLU code as the scanner reads it');

const BarcodesSchema = z
  .array(BarcodeSchema)
  .max(100)
  .refine((codes) => new Set(codes).size === codes.length, 'a barcode is listed twice')
  .describe(
    'Extension: the codes the till scans for this product (EAN/GTIN/PLU). Each code belongs to at most one ' +
      'non-deleted product of the account; list products with ?barcode= to look one up.',
  );

const TaxIdRefSchema = ClientKeySchema.describe(
  'Extension: the tax_id of one of the account\'s tax groups (/products/tax); the till takes the VAT rate from it.',
);

/** A group reference inside a product; Dintero's example spells it `{id, name}`, so both spellings are accepted. */
export const ProductGroupRefInputSchema = z
  .strictObject({
    group_id: ClientKeySchema.optional().describe('Generated (a UUID, i.e. a new group) when absent'),
    group_name: NameSchema.optional(),
    id: ClientKeySchema.optional().describe('Alias of group_id (the spelling of Dintero\'s example)'),
    name: NameSchema.optional().describe('Alias of group_name'),
  })
  .refine((g) => g.id === undefined || g.group_id === undefined || g.id === g.group_id, 'id and group_id differ')
  .refine((g) => g.name === undefined || g.group_name === undefined || g.name === g.group_name, 'name and group_name differ')
  .transform((g) => ({ group_id: g.group_id ?? g.id, group_name: g.group_name ?? g.name }));
export type ProductGroupRefInput = z.infer<typeof ProductGroupRefInputSchema>;

const ProductGroupRefsSchema = z
  .array(ProductGroupRefInputSchema)
  .max(100)
  .refine((gs) => {
    const ids = gs.flatMap((g) => (g.group_id === undefined ? [] : [g.group_id]));
    return new Set(ids).size === ids.length;
  }, 'a group is listed twice')
  .describe('Groups to upsert into the account\'s groups (new inserted, existing updated, deleted revived) and link to the product');

/** The fields of Dintero's `Product` (all optional there), with our two extensions. */
const productFieldSchemas = {
  product_name: NameSchema,
  description: z.string().max(10_000),
  unit_gross_price: AmountSchema.describe('Price per unit including tax, in minor units (10900 = 109.00)'),
  unit: z.string().max(32).describe('Unit type, e.g. "stk"'),
  currency: CurrencySchema.describe('Required when unit_gross_price is set'),
  starting_at: DateTimeSchema.describe('The product is not visible before this time'),
  stopping_at: DateTimeSchema.describe('The product is not visible after this time'),
  dimension: DimensionSchema,
  images: z.array(ImageSchema).max(50),
  locations: z.array(ProductLocationSchema).max(1000),
  barcodes: BarcodesSchema,
  tax_id: TaxIdRefSchema,
};
export const ProductFieldsSchema = z.strictObject(productFieldSchemas).partial();
export type ProductFields = z.infer<typeof ProductFieldsSchema>;

export const ProductPostSchema = ProductFieldsSchema.extend({
  product_id: ClientKeySchema.optional().describe('Generated (a UUID) when absent'),
  is_virtual_product: z.boolean().default(false),
  groups: ProductGroupRefsSchema.optional(),
});
export type ProductPost = z.infer<typeof ProductPostSchema>;

/** Dintero's PUT takes `Product`; we also take `groups` (same upsert, replaces the product's list). */
export const ProductPutSchema = z.strictObject({
  product_name: clearable(productFieldSchemas.product_name),
  description: clearable(productFieldSchemas.description),
  is_virtual_product: clearable(z.boolean()).describe('null resets it to false'),
  unit_gross_price: clearable(productFieldSchemas.unit_gross_price),
  unit: clearable(productFieldSchemas.unit),
  currency: clearable(productFieldSchemas.currency),
  starting_at: clearable(productFieldSchemas.starting_at),
  stopping_at: clearable(productFieldSchemas.stopping_at),
  dimension: clearable(productFieldSchemas.dimension),
  images: clearable(productFieldSchemas.images),
  locations: clearable(productFieldSchemas.locations),
  barcodes: clearable(productFieldSchemas.barcodes),
  tax_id: clearable(productFieldSchemas.tax_id),
  groups: clearable(ProductGroupRefsSchema),
});
export type ProductPut = z.infer<typeof ProductPutSchema>;

/** A product's group as returned: the group's current name from /products/groups. */
export const ProductGroupRefSchema = z.object({ group_id: z.string(), group_name: z.string().optional() });
export type ProductGroupRef = z.infer<typeof ProductGroupRefSchema>;

/** `ProductResponse & {groups}`; `barcodes` is always present (possibly empty). */
export const ProductSchema = EntitySchema.extend({
  ...ProductFieldsSchema.shape,
  product_id: z.string(),
  catalog_id: z.string(),
  catalog_name: z.string().optional(),
  is_virtual_product: z.boolean(),
  barcodes: z.array(z.string()),
  groups: z.array(ProductGroupRefSchema),
});
export type Product = z.infer<typeof ProductSchema>;

export const ProductListSchema = z.object({ products: z.array(ProductSchema), starting_after: z.string().optional() });
export type ProductList = z.infer<typeof ProductListSchema>;

export const ProductListQuerySchema = PagingQuerySchema.extend({
  product_id: z
    .union([ClientKeySchema, z.array(ClientKeySchema).max(100)])
    .optional()
    .transform((v) => (v === undefined || Array.isArray(v) ? v : [v]))
    .describe('Exact product id; repeat the parameter for several'),
  product_name: z.string().min(1).max(255).optional().describe('Case-insensitive prefix of the product name'),
  barcode: BarcodeSchema.optional().describe('Extension: the product that carries this barcode'),
});
export type ProductListQuery = z.infer<typeof ProductListQuerySchema>;
