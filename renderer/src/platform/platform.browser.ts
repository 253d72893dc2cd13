import type { AccessToken, PosPlatform, TerminalSetup } from './pos-platform.ts';

const SETUP_KEY = 'pos.setup';
const SECRET_KEY = 'pos.client-secret';
const MANAGER_PIN_KEY = 'pos.manager-pin';
const PBKDF2_ROUNDS = 100_000;

const hex = (b: ArrayBuffer | Uint8Array): string => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

/** A slow salted hash, so a copied profile does not give the manager code away at once. */
async function pinHash(pin: string, saltHex: string): Promise<string> {
  const salt = new Uint8Array(saltHex.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  return hex(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ROUNDS }, key, 256));
}
/** Renew this long before `expires_in` runs out, as Dintero's own SDKs do. */
const RENEW_EARLY_MS = 10 * 60_000;

function parseSetup(text: string | null): TerminalSetup | null {
  if (text === null) return null;
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null) return null;
  const { serverUrl, accountId, clientId } = { serverUrl: undefined, accountId: undefined, clientId: undefined, ...v };
  return typeof serverUrl === 'string' && typeof accountId === 'string' && typeof clientId === 'string' ? { serverUrl, accountId, clientId } : null;
}

/**
 * For kiosks and tests: the browser keeps the setup and the secret in local storage, which is as
 * safe as the machine's user profile. Tokens come straight from the server's token endpoint.
 */
export function browserPlatform(storage: Storage, fetchFn: typeof fetch, now: () => number): PosPlatform {
  let cached: AccessToken | null = null;
  let renewing: Promise<AccessToken> | null = null;
  async function renew(): Promise<AccessToken> {
    const setup = parseSetup(storage.getItem(SETUP_KEY));
    const secret = storage.getItem(SECRET_KEY);
    if (setup === null || secret === null) throw new Error('This till is not set up yet.');
    const res = await fetchFn(`${setup.serverUrl}/v1/accounts/${setup.accountId}/auth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${setup.clientId}:${secret}`)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', audience: `${setup.serverUrl}/v1/accounts/${setup.accountId}` }),
    });
    const body: unknown = await res.json();
    if (!res.ok || typeof body !== 'object' || body === null || !('access_token' in body) || !('expires_in' in body)) {
      throw new Error(`The server refused the till's credentials (HTTP ${res.status}).`);
    }
    const { access_token, expires_in } = body;
    if (typeof access_token !== 'string' || typeof expires_in !== 'number') throw new Error('The server sent an unreadable token.');
    cached = { accessToken: access_token, expiresAt: now() + expires_in * 1000 };
    return cached;
  }
  return {
    kind: 'browser',
    loadSetup: () => Promise.resolve(parseSetup(storage.getItem(SETUP_KEY))),
    saveSetup(setup, secret) {
      storage.setItem(SETUP_KEY, JSON.stringify(setup));
      storage.setItem(SECRET_KEY, secret);
      cached = null;
      return Promise.resolve();
    },
    async setManagerPin(pin) {
      const salt = hex(crypto.getRandomValues(new Uint8Array(16)));
      storage.setItem(MANAGER_PIN_KEY, `${salt}:${await pinHash(pin, salt)}`);
    },
    async checkManagerPin(pin) {
      const [salt, hash] = (storage.getItem(MANAGER_PIN_KEY) ?? '').split(':');
      if (salt === undefined || hash === undefined || salt === '') return false;
      return (await pinHash(pin, salt)) === hash;
    },
    accessToken(options) {
      if (options?.fresh !== true && cached !== null && cached.expiresAt - RENEW_EARLY_MS > now()) return Promise.resolve(cached);
      // Callers that find the token stale at the same moment share one request.
      renewing ??= renew().finally(() => {
        renewing = null;
      });
      return renewing;
    },
  };
}
