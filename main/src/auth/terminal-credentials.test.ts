import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { terminalCredentials, type Sealer } from './terminal-credentials.ts';

/** Stands in for Electron's safeStorage (the OS keychain), which needs Electron's binary. */
const xorSealer: Sealer = {
  seal: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
  open: (sealed) => Buffer.from(sealed.map((b) => b ^ 0x5a)).toString('utf8'),
};

describe('terminal credentials in main', () => {
  it('keeps the secret sealed on disk, hands out tokens, and renews them ten minutes early', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pos-main-')), 'terminal.json');
    let t = 0;
    const requests: Array<{ url: string; auth: string | null }> = [];
    const fetchFn: typeof fetch = (input, init) => {
      requests.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') });
      return Promise.resolve(new Response(JSON.stringify({ access_token: `tok-${requests.length}`, token_type: 'Bearer', expires_in: 14_400 })));
    };
    const creds = terminalCredentials(file, xorSealer, fetchFn, () => t);
    expect(creds.loadSetup()).toBeNull();
    await expect(creds.accessToken()).rejects.toThrow('not set up');
    creds.saveSetup({ serverUrl: 'http://10.0.0.5:8080', accountId: 'T12345678', clientId: 'till-1' }, 's3cret');
    expect(readFileSync(file, 'utf8')).not.toContain('s3cret');
    expect((await creds.accessToken()).accessToken).toBe('tok-1');
    expect(requests[0]).toEqual({ url: 'http://10.0.0.5:8080/v1/accounts/T12345678/auth/token', auth: `Basic ${Buffer.from('till-1:s3cret').toString('base64')}` });
    t = 14_400_000 - 600_001;
    expect((await creds.accessToken()).accessToken).toBe('tok-1');
    t += 2;
    expect((await creds.accessToken()).accessToken).toBe('tok-2');
  });

  it('refuses an incomplete setup and checks the manager code without storing it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pos-main-')), 'terminal.json');
    const creds = terminalCredentials(file, xorSealer, fetch, () => 0);
    expect(() => creds.saveSetup({ serverUrl: 'not a url', accountId: 'T1', clientId: '' }, '')).toThrow('incomplete');
    creds.saveSetup({ serverUrl: 'http://s', accountId: 'T12345678', clientId: 'c' }, 'x');
    creds.setManagerPin('2468');
    expect(readFileSync(file, 'utf8')).not.toContain('2468');
    expect(creds.checkManagerPin('2468')).toBe(true);
    expect(creds.checkManagerPin('1357')).toBe(false);
    expect(creds.checkManagerPin(2468)).toBe(false);
  });
});
