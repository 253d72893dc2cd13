/**
 * The slow hashes a till checks offline (contracts/offline.ts OFFLINE_LOOKUP, OFFLINE_PIN). Both
 * run on libuv's thread pool (async pbkdf2), never on the request thread, and only when a token or
 * PIN is made (or once for a token made before 0010): a pull reads the stored results.
 */
import { pbkdf2, randomBytes } from 'node:crypto';
import { OFFLINE_LOOKUP, OFFLINE_PIN } from '@pos/core';

const pbkdf2Hex = (password: string, salt: string, iterations: number, bytes: number): Promise<string> =>
  new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, bytes, 'sha256', (e, key) => (e === null ? resolve(key.toString('hex')) : reject(e)));
  });

/** Lookup key of a token from its stored hash (lowercase hex SHA-256 of the token) and the account's salt. */
export const lookupKey = (tokenHash: string, salt: string): Promise<string> => pbkdf2Hex(tokenHash, salt, OFFLINE_LOOKUP.iterations, OFFLINE_LOOKUP.bytes);

/** A fresh offline PIN check for a PIN the server just made. */
export async function pinCheck(pin: string): Promise<{ salt: string; hash: string }> {
  const salt = randomBytes(16).toString('base64url');
  return { salt, hash: await pbkdf2Hex(pin, salt, OFFLINE_PIN.iterations, OFFLINE_PIN.bytes) };
}

/** A new account lookup salt. */
export const newLookupSalt = (): string => randomBytes(16).toString('base64url');
