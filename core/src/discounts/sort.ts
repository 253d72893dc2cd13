/**
 * In-place sort for the engine's short lists (lines by line_id, rules found on a receipt,
 * `discounts[]`): `Array.prototype.sort` copies every array it sorts into a work array, and the
 * engine sorts several of these on every calculation. Short lists get an insertion sort (one pass
 * when they are already in order, as receipt lines usually are); long ones the built-in sort.
 * Stable either way.
 */
const SHORT = 64;

export function sortSmall<T>(xs: T[], order: (a: T, b: T) => number): T[] {
  if (xs.length > SHORT) return xs.sort(order);
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i];
    if (x === undefined) continue;
    let j = i - 1;
    for (; j >= 0; j--) {
      const y = xs[j];
      if (y === undefined || order(y, x) <= 0) break;
      xs[j + 1] = y;
    }
    xs[j + 1] = x;
  }
  return xs;
}
