/**
 * The offline signing key and compact JWS over it (contracts/offline.ts). Ed25519 through
 * node:crypto directly: a pull page of 500 cards signs 500 allowances, and a synchronous
 * `sign` costs ~40 µs where a promise-per-signature library adds more than the signature itself.
 * The output is a standard JWS (`alg: EdDSA`), so jose or WebCrypto verify it on the till.
 *
 * The key lives in `server_secrets` (name `offline_signing_key`), made on first use; every server
 * node reads the same one. It is not the access-token key: a till holds this public key for days.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

export const LEASE_TYP = 'pos-offline-lease+jwt';
export const ALLOWANCE_TYP = 'pos-offline-allowance+jwt';
export type OfflineTyp = typeof LEASE_TYP | typeof ALLOWANCE_TYP;

export const OFFLINE_KEY_SECRET = 'offline_signing_key';

export interface OfflinePublicKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

export interface OfflineSigner {
  readonly publicKey: OfflinePublicKey;
  sign(typ: OfflineTyp, claims: object): string;
  /** The payload of a JWS this key signed with this `typ`, or null (malformed, other key, bad signature). */
  verify(typ: OfflineTyp, jws: string): unknown;
}

const StoredKeySchema = z.object({ kid: z.string(), d: z.string(), x: z.string() });
const HeaderSchema = z.object({ alg: z.literal('EdDSA'), typ: z.string(), kid: z.string() });

const b64 = (s: string): string => Buffer.from(s).toString('base64url');

/** A new key as stored: `{kid, d, x}` (the Ed25519 JWK's private and public parts). */
export function newOfflineKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify({ kid: randomUUID(), d: jwk.d, x: jwk.x });
}

export function offlineSigner(stored: string): OfflineSigner {
  const { kid, d, x } = StoredKeySchema.parse(JSON.parse(stored));
  const privateKey: KeyObject = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x }, format: 'jwk' });
  const publicKey: KeyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  const headers = new Map<string, string>();
  const headerOf = (typ: OfflineTyp): string => {
    let h = headers.get(typ);
    if (h === undefined) {
      h = b64(JSON.stringify({ alg: 'EdDSA', typ, kid }));
      headers.set(typ, h);
    }
    return h;
  };
  return {
    publicKey: { kty: 'OKP', crv: 'Ed25519', x, kid },
    sign(typ, claims) {
      const input = `${headerOf(typ)}.${b64(JSON.stringify(claims))}`;
      return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
    },
    verify(typ, jws) {
      const parts = jws.split('.');
      const [h, p, s] = parts;
      if (parts.length !== 3 || h === undefined || p === undefined || s === undefined) return null;
      try {
        const header = HeaderSchema.safeParse(JSON.parse(Buffer.from(h, 'base64url').toString('utf8')));
        if (!header.success || header.data.typ !== typ || header.data.kid !== kid) return null;
        if (!verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return null;
        const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
        return payload;
      } catch {
        return null;
      }
    },
  };
}
