import { describe, expect, it } from 'vitest';
import { browserPlatform } from './platform.browser.ts';

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length(): number { return this.m.size; }
  clear(): void { this.m.clear(); }
  getItem(k: string): string | null { return this.m.get(k) ?? null; }
  key(i: number): string | null { return [...this.m.keys()][i] ?? null; }
  removeItem(k: string): void { this.m.delete(k); }
  setItem(k: string, v: string): void { this.m.set(k, v); }
}

describe('browser platform', () => {
  it('fetches a token with the stored credentials and renews it ten minutes before expiry', async () => {
    let t = 0;
    const calls: string[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      calls.push(`${String(input)} ${String(new Headers(init?.headers).get('authorization'))}`);
      return Promise.resolve(new Response(JSON.stringify({ access_token: `tok-${calls.length}`, token_type: 'Bearer', expires_in: 14400 })));
    };
    const p = browserPlatform(new MemoryStorage(), fetchFn, () => t);
    await expect(p.accessToken()).rejects.toThrow('not set up');
    await p.saveSetup({ serverUrl: 'http://s', accountId: 'T12345678', clientId: 'c' }, 'secret');
    expect((await p.loadSetup())?.accountId).toBe('T12345678');
    expect((await p.accessToken()).accessToken).toBe('tok-1');
    expect(calls[0]).toBe(`http://s/v1/accounts/T12345678/auth/token Basic ${btoa('c:secret')}`);
    t = 14_400_000 - 10 * 60_000 - 1;
    expect((await p.accessToken()).accessToken).toBe('tok-1');
    t += 2;
    expect((await p.accessToken()).accessToken).toBe('tok-2');
  });

  it('gets a new token when asked for a fresh one (the server answered 401), one request for callers at the same moment', async () => {
    let calls = 0;
    const fetchFn: typeof fetch = () => {
      calls += 1;
      return Promise.resolve(new Response(JSON.stringify({ access_token: `tok-${calls}`, token_type: 'Bearer', expires_in: 14400 })));
    };
    const p = browserPlatform(new MemoryStorage(), fetchFn, () => 0);
    await p.saveSetup({ serverUrl: 'http://s', accountId: 'T12345678', clientId: 'c' }, 'secret');
    expect((await p.accessToken()).accessToken).toBe('tok-1');
    expect((await p.accessToken()).accessToken).toBe('tok-1');
    const [a, b] = await Promise.all([p.accessToken({ fresh: true }), p.accessToken({ fresh: true })]);
    expect([a.accessToken, b.accessToken]).toEqual(['tok-2', 'tok-2']);
    expect((await p.accessToken()).accessToken).toBe('tok-2');
  });
});
