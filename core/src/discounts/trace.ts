/** Small text helpers for the engine's trace sentences (plain English a cashier can read). */
import { minorToDecimalString } from '../money-format.ts';

/** 12345 → "123.45 NOK" (or "123.45" when the receipt has no currency). */
export function money(minor: number, currency: string | undefined): string {
  const text = Number.isSafeInteger(minor) ? minorToDecimalString(minor, 2) : String(minor);
  return currency === undefined ? text : `${text} ${currency}`;
}

/** (1, 'item') → "1 item", (3, 'item') → "3 items". */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
