/**
 * The till's credentials in the Electron main process: the setup and the client secret live here,
 * the secret encrypted with the OS keychain (Electron's safeStorage, injected as `Sealer`), and the
 * renderer only ever receives access tokens. Plain Node so it is tested without Electron.
 */
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export interface Sealer {
  seal(plain: string): Buffer;
  open(sealed: Buffer): string;
}

const SetupSchema = z.object({ serverUrl: z.url(), accountId: z.string().regex(/^[PT]\d{8}$/), clientId: z.string().min(1) });
export type TerminalSetup = z.infer<typeof SetupSchema>;

const StoredSchema = z.object({
  setup: SetupSchema,
  sealedSecret: z.string(),
  managerPin: z.object({ salt: z.string(), hash: z.string() }).optional(),
});

const RENEW_EARLY_MS = 10 * 60_000;
const PIN_ROUNDS = 100_000;

export function terminalCredentials(file: string, sealer: Sealer, fetchFn: typeof fetch, now: () => number) {
  let token: { accessToken: string; expiresAt: number } | null = null;
  let renewing: Promise<{ accessToken: string; expiresAt: number }> | null = null;

  const read = (): z.infer<typeof StoredSchema> | null => {
    try {
      const parsed = StoredSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };
  const write = (stored: z.infer<typeof StoredSchema>): void => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600 });
  };
  async function renew(): Promise<{ accessToken: string; expiresAt: number }> {
    const stored = read();
    if (stored === null) throw new Error('This till is not set up yet.');
    const { serverUrl, accountId, clientId } = stored.setup;
    const secret = sealer.open(Buffer.from(stored.sealedSecret, 'base64'));
    const res = await fetchFn(`${serverUrl}/v1/accounts/${accountId}/auth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', audience: `${serverUrl}/v1/accounts/${accountId}` }),
    });
    const body = z.object({ access_token: z.string(), expires_in: z.number() }).safeParse(await res.json().catch(() => null));
    if (!res.ok || !body.success) throw new Error(`The server refused the till's credentials (HTTP ${res.status}).`);
    token = { accessToken: body.data.access_token, expiresAt: now() + body.data.expires_in * 1000 };
    return token;
  }

  const pinHash = (pin: string, salt: string): string => pbkdf2Sync(pin, Buffer.from(salt, 'hex'), PIN_ROUNDS, 32, 'sha256').toString('hex');

  return {
    loadSetup: (): TerminalSetup | null => read()?.setup ?? null,

    saveSetup(setup: unknown, secret: unknown): void {
      const parsed = SetupSchema.safeParse(setup);
      if (!parsed.success || typeof secret !== 'string' || secret === '') throw new Error('The till setup is incomplete.');
      write({ setup: parsed.data, sealedSecret: sealer.seal(secret).toString('base64') });
      token = null;
    },

    /** `{fresh: true}` (after the server answered 401) drops the cached token and gets a new one. */
    accessToken(options?: unknown): Promise<{ accessToken: string; expiresAt: number }> {
      const fresh = typeof options === 'object' && options !== null && 'fresh' in options && options.fresh === true;
      if (!fresh && token !== null && token.expiresAt - RENEW_EARLY_MS > now()) return Promise.resolve(token);
      // Callers that find the token stale at the same moment share one request.
      renewing ??= renew().finally(() => {
        renewing = null;
      });
      return renewing;
    },

    setManagerPin(pin: unknown): void {
      const stored = read();
      if (stored === null || typeof pin !== 'string' || !/^\d{4,8}$/.test(pin)) throw new Error('Set the till up first, with a 4–8 digit manager code.');
      const salt = randomBytes(16).toString('hex');
      write({ ...stored, managerPin: { salt, hash: pinHash(pin, salt) } });
    },

    checkManagerPin(pin: unknown): boolean {
      const stored = read()?.managerPin;
      if (stored === undefined || typeof pin !== 'string') return false;
      const given = Buffer.from(pinHash(pin, stored.salt), 'hex');
      const expected = Buffer.from(stored.hash, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
