/**
 * First start: the till learns where its server is and which API client it is, proves the
 * credentials by getting a token, then fills its replica with a visible progress bar.
 */
import { useState, type FormEvent } from 'react';
import { AccountIdSchema } from '@pos/core';
import type { PosPlatform, TerminalSetup } from '../../platform/pos-platform.ts';

export function SetupScreen({ platform, defaultServerUrl, onReady }: { platform: PosPlatform; defaultServerUrl: string; onReady: (setup: TerminalSetup) => void }) {
  const [serverUrl, setServerUrl] = useState(defaultServerUrl);
  const [accountId, setAccountId] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [managerPin, setManagerPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    let url: URL;
    try {
      url = new URL(serverUrl.trim());
    } catch {
      setError('The server address must be a full URL, like http://192.168.1.10:8080.');
      return;
    }
    const aid = accountId.trim().toUpperCase();
    if (!AccountIdSchema.safeParse(aid).success) {
      setError('The account id is T or P followed by 8 digits, like T12345678.');
      return;
    }
    if (clientId.trim() === '' || clientSecret.trim() === '') {
      setError('Enter the client id and secret printed when the till\u2019s API client was created.');
      return;
    }
    if (!/^\d{4,8}$/.test(managerPin)) {
      setError('Choose a manager code of 4 to 8 digits. It unlocks gift-card issuing on this till.');
      return;
    }
    setBusy(true);
    const setup = { serverUrl: url.origin, accountId: aid, clientId: clientId.trim() };
    try {
      await platform.saveSetup(setup, clientSecret.trim());
      await platform.accessToken();
      await platform.setManagerPin(managerPin);
      onReady(setup);
    } catch (err) {
      setError(err instanceof TypeError ? `Cannot reach ${url.origin}. Check the address and the network.` : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="screen">
      <form className="card setup" onSubmit={(e) => void submit(e)} aria-label="Set up this till">
        <h1>Set up this till</h1>
        <p className="lead">Connect the till to your store&apos;s server. You only do this once.</p>
        {error === null ? null : <p className="error" role="alert">{error}</p>}
        <div className="field">
          <label htmlFor="server-url">Server address</label>
          <input id="server-url" value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} autoComplete="url" inputMode="url" required />
        </div>
        <div className="field">
          <label htmlFor="account-id">Account id</label>
          <input id="account-id" value={accountId} onChange={(e) => setAccountId(e.target.value)} placeholder="T12345678" autoComplete="off" required />
        </div>
        <div className="field">
          <label htmlFor="client-id">Client id</label>
          <input id="client-id" value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" spellCheck={false} required />
        </div>
        <div className="field">
          <label htmlFor="client-secret">Client secret</label>
          <input id="client-secret" type="password" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} autoComplete="off" required />
          <span className="hint">Kept on this till only; the screen never shows it again.</span>
        </div>
        <div className="field">
          <label htmlFor="manager-pin">Manager code</label>
          <input id="manager-pin" type="password" inputMode="numeric" value={managerPin} onChange={(e) => setManagerPin(e.target.value)} autoComplete="off" required />
          <span className="hint">4–8 digits. Managers enter it to issue and top up gift cards.</span>
        </div>
        <button className="primary" type="submit" disabled={busy}>{busy ? 'Connecting\u2026' : 'Connect till'}</button>
      </form>
    </main>
  );
}

export function InitialSyncScreen({ pulled, remaining, error = null }: { pulled: number; remaining: number; error?: string | null }) {
  const total = pulled + remaining;
  const pct = total === 0 ? 0 : Math.round((pulled / total) * 100);
  return (
    <main className="screen">
      <section className="card setup" aria-label="Loading the store">
        <h1>Loading the store</h1>
        <p className="lead">Copying products and gift cards to this till so it can sell without the network.</p>
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
          <div style={{ width: `${pct}%` }} />
        </div>
        {error === null ? null : <p className="error" role="alert">Still trying: {error}</p>}
        <p className="hint" data-testid="sync-progress">{total === 0 ? 'Starting\u2026' : `${pulled.toLocaleString()} of ${total.toLocaleString()} records`}</p>
      </section>
    </main>
  );
}
