/** A small grocery store: what the demo till sells. Prices are gross, in øre. */
export const DEMO_TAX_GROUPS = [
  { tax_id: 'vat-food', tax_group: 'Food', description: 'Reduced VAT on food', percentage: 15, tax_code: 'NO-15' },
  { tax_id: 'vat-standard', tax_group: 'Standard', description: 'Standard VAT', percentage: 25, tax_code: 'NO-25' },
];

export const DEMO_GROUPS = [
  { group_id: 'dairy', group_name: 'Dairy' },
  { group_id: 'bakery', group_name: 'Bakery' },
  { group_id: 'fruit', group_name: 'Fruit & vegetables' },
  { group_id: 'drinks', group_name: 'Drinks' },
  { group_id: 'coffee', group_name: 'Coffee' },
  { group_id: 'household', group_name: 'Household' },
];

type DemoProduct = readonly [product_id: string, name: string, price: number, group: string, tax: string, barcode: string];

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  ['milk-1l', 'Whole milk 1 l', 2490, 'dairy', 'vat-food', '7038010009457'],
  ['yoghurt-vanilla', 'Vanilla yoghurt 500 g', 3290, 'dairy', 'vat-food', '7038010013966'],
  ['butter-250', 'Butter 250 g', 4490, 'dairy', 'vat-food', '7038010000737'],
  ['cheese-gouda', 'Gouda cheese 500 g', 8990, 'dairy', 'vat-food', '7038010055720'],
  ['bread-wholegrain', 'Wholegrain bread', 3990, 'bakery', 'vat-food', '7020097009261'],
  ['croissant', 'Butter croissant', 1990, 'bakery', 'vat-food', '2000000000015'],
  ['cinnamon-bun', 'Cinnamon bun', 2490, 'bakery', 'vat-food', '2000000000022'],
  ['bananas', 'Bananas 1 kg', 2990, 'fruit', 'vat-food', '2000000000039'],
  ['apples', 'Red apples 1 kg', 3490, 'fruit', 'vat-food', '2000000000046'],
  ['tomatoes', 'Cherry tomatoes 250 g', 2790, 'fruit', 'vat-food', '7040514501467'],
  ['orange-juice', 'Orange juice 1 l', 3590, 'drinks', 'vat-food', '7038010052484'],
  ['sparkling-water', 'Sparkling water 0.5 l', 1990, 'drinks', 'vat-food', '7041011050105'],
  ['coffee-beans', 'Coffee beans 500 g', 9990, 'coffee', 'vat-food', '7310050001456'],
  ['coffee-cup', 'Coffee to go', 3500, 'coffee', 'vat-food', '2000000000053'],
  ['dish-soap', 'Dish soap 500 ml', 3290, 'household', 'vat-standard', '7035620025037'],
  ['paper-towels', 'Paper towels 4-pack', 5490, 'household', 'vat-standard', '7310790000231'],
];
