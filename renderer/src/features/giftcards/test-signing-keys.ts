/**
 * Test-only: Ed25519 keys standing in for the server's offline signing key (and a stranger's), and
 * JWS signing as the server does it, for the tests of what the till verifies. Not imported by the app.
 */
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import type { OfflinePublicKey } from './offline-signature.ts';

export type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface TestSigningKeys {
  /** Signs as the server (kid k1). */
  readonly server: KeyPair;
  /** Someone else's key: what it signs must not verify. */
  readonly other: KeyPair;
  /** The server key's public half, as a lease carries it. */
  readonly publicKey: OfflinePublicKey;
}

export async function testSigningKeys(): Promise<TestSigningKeys> {
  const server = await generateKeyPair('EdDSA', { extractable: true });
  const other = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = await exportJWK(server.publicKey);
  return { server, other, publicKey: { kty: 'OKP', crv: 'Ed25519', x: jwk.x ?? '', kid: 'k1' } };
}

/** A compact JWS of `payload` with the given `typ`, signed by `key` under kid k1. */
export const signJws = (payload: object, typ: string, key: KeyPair): Promise<string> =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', typ, kid: 'k1' }).sign(key.privateKey);
