/**
 * Display of integer minor units as money text, e.g. 123450 NOK → "1 234,50 kr" in nb-NO.
 *
 * The amount never passes through a float: minor units are turned into an exact decimal string
 * ("1234.50") and handed to `Intl.NumberFormat`, which formats numeric strings exactly (ES2023),
 * so even amounts above 2^53 / 100 print every digit. Output depends only on the arguments and
 * the runtime's ICU data for the locale.
 */
import type { Currency } from './money.ts';

/** Digits after the decimal point of each supported currency (ISO 4217). */
export const MINOR_DIGITS: Readonly<Record<Currency, number>> = { NOK: 2, SEK: 2, DKK: 2, EUR: 2, USD: 2 };

// Formatters are costly to build; the cache is invisible to callers (same input, same output).
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: Currency, locale: string): Intl.NumberFormat {
  const key = `${locale}\u0000${currency}`;
  let f = formatters.get(key);
  if (f === undefined) {
    const digits = MINOR_DIGITS[currency];
    f = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(key, f);
  }
  return f;
}

/** The exact decimal text of `minor` minor units with `digits` decimals: (−123450, 2) → "-1234.50". */
export function minorToDecimalString(minor: number, digits: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount ${minor} is not an integer in minor units`);
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits ${digits} is not a non-negative integer`);
  const sign = minor < 0 ? '-' : '';
  const padded = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${padded}`;
  return `${sign}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

const isNumericString = (s: string): s is `${number}` => /^-?\d+(\.\d+)?$/.test(s);

export function formatMoney(minor: number, currency: Currency, locale = 'nb-NO'): string {
  const decimal = minorToDecimalString(minor, MINOR_DIGITS[currency]);
  if (!isNumericString(decimal)) throw new Error(`bug: ${decimal} is not a decimal string`);
  return formatter(currency, locale).format(decimal);
}
