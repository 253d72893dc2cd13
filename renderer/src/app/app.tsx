import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { PosPlatform, TerminalSetup } from '../platform/pos-platform.ts';
import type { PosDatabase } from '../db/database.ts';
import { InitialSyncScreen, SetupScreen } from '../features/setup/setup-screen.tsx';
import { StatusBar } from '../ui/status-bar.tsx';
import { OfflineBanner } from '../ui/offline-banner.tsx';
import { SaleScreen } from '../features/sale/sale-screen.tsx';
import { walletAdminClient, walletClient, type WalletAdminClient, type WalletClient } from '../api/wallet-client.ts';
import { customerClient, type CustomerClient } from '../api/customer-client.ts';
import { ManagerScreen } from '../features/manager/manager-screen.tsx';
import { capabilitiesOf, NO_CAPABILITIES, scopesOf, type Capabilities } from '../platform/token-scopes.ts';
import { startTillSession, type TillSession } from './till-session.ts';
import { enrolmentQueue } from './outbox.ts';
import { SyncOffline } from '../features/manager/sync-offline.tsx';
import { offlineExceptionsClient, type OfflineExceptionsClient } from '../features/manager/offline-exceptions.ts';

export interface AppProps {
  platform: PosPlatform;
  openDatabase: () => Promise<PosDatabase>;
  defaultServerUrl: string;
}

export function App({ platform, openDatabase, defaultServerUrl }: AppProps) {
  const [setup, setSetup] = useState<TerminalSetup | null | undefined>(undefined);
  const [session, setSession] = useState<TillSession | null>(null);

  useEffect(() => {
    void platform.loadSetup().then(setSetup);
  }, [platform]);

  useEffect(() => {
    if (setup === null || setup === undefined) return;
    let stopped = false;
    let started: TillSession | null = null;
    void openDatabase().then((db) => {
      if (stopped) return;
      // One store per account until store configuration replicates down (see Till below).
      const store = { id: setup.accountId, terminal_id: setup.clientId };
      started = startTillSession(db, { serverUrl: setup.serverUrl, accountId: setup.accountId, accessToken: async (options?: { readonly fresh?: boolean }) => (await platform.accessToken(options)).accessToken, fetch: window.fetch.bind(window) }, () => Date.now(), store);
      setSession(started);
    });
    return () => {
      stopped = true;
      void started?.stop();
    };
  }, [setup, platform, openDatabase]);

  const endpoint = useMemo(
    () => (setup === null || setup === undefined ? null : { serverUrl: setup.serverUrl, accountId: setup.accountId, accessToken: async (options?: { readonly fresh?: boolean }) => (await platform.accessToken(options)).accessToken, fetch: window.fetch.bind(window) }),
    [setup, platform],
  );
  const wallets = useMemo(() => (endpoint === null ? null : walletClient(endpoint)), [endpoint]);
  const admin = useMemo(() => (endpoint === null ? null : walletAdminClient(endpoint)), [endpoint]);
  // Enrolments made while the server cannot be reached wait in the session's outbox.
  const customers = useMemo(() => (endpoint === null || session === null ? null : customerClient(endpoint, enrolmentQueue(session.db))), [endpoint, session]);
  const offlineExceptions = useMemo(() => (endpoint === null ? null : offlineExceptionsClient(endpoint)), [endpoint]);
  const store = useMemo(() => (setup === null || setup === undefined ? null : { id: setup.accountId, terminal_id: setup.clientId }), [setup]);

  if (setup === undefined) return null;
  if (setup === null) return <SetupScreen platform={platform} defaultServerUrl={defaultServerUrl} onReady={setSetup} />;
  if (session === null) return <InitialSyncScreen pulled={0} remaining={0} />;
  if (wallets === null || admin === null || customers === null || store === null || offlineExceptions === null) return null;
  // One store per account until store configuration replicates down; rules with a store requirement name it by account id.
  return <Till session={session} terminal={`${setup.accountId} · ${setup.serverUrl}`} store={store} wallets={wallets} admin={admin} customers={customers} platform={platform} offlineExceptions={offlineExceptions} />;
}

function Till({ session, terminal, store, wallets, admin, customers, platform, offlineExceptions }: {
  session: TillSession; terminal: string; store: { readonly id: string; readonly terminal_id: string }; wallets: WalletClient; admin: WalletAdminClient; customers: CustomerClient; platform: PosPlatform;
  offlineExceptions: OfflineExceptionsClient;
}) {
  const status = useSyncExternalStore(session.subscribe, session.getStatus);
  const [tab, setTab] = useState<'sale' | 'manager'>('sale');
  const [capabilities, setCapabilities] = useState<Capabilities>(NO_CAPABILITIES);
  useEffect(() => {
    platform.accessToken().then((t) => setCapabilities(capabilitiesOf(scopesOf(t.accessToken))), () => undefined);
  }, [platform]);
  if (status.initialSync !== null) {
    return (
      <div className="app">
        <InitialSyncScreen pulled={status.initialSync.pulled} remaining={status.initialSync.remaining} error={status.error} />
        <StatusBar session={session} terminal={terminal} />
      </div>
    );
  }
  return (
    <div className="till">
      <header className="topbar">
        <span className="brand">Till</span>
        <nav aria-label="Screens">
          <button type="button" aria-current={tab === 'sale' ? 'page' : undefined} onClick={() => setTab('sale')}>Sale</button>
          <button type="button" aria-current={tab === 'manager' ? 'page' : undefined} onClick={() => setTab('manager')}>Gift cards (manager)</button>
        </nav>
        <span className="spacer" />
        <ReplicaSummary session={session} />
      </header>
      <OfflineBanner session={session} />
      {/* The sale stays mounted so a cart in progress survives a look at the manager screens. */}
      <div hidden={tab !== 'sale'} className="screen-slot"><SaleScreen db={session.db} wallets={wallets} customers={customers} canEnrol={capabilities.enrolCustomers} currency="NOK" store={store} active={tab === 'sale'} offline={session.offline} /></div>
      {tab === 'manager' ? <ManagerScreen platform={platform} wallets={wallets} admin={admin} capabilities={capabilities} currency="NOK" newId={() => crypto.randomUUID()} sync={
        <SyncOffline db={session.db} offline={session.offline} status={session} retryParked={session.retryParked} exceptions={offlineExceptions} canReadExceptions={capabilities.readGiftCards || capabilities.issueGiftCards} canResolveExceptions={capabilities.issueGiftCards} currency="NOK" />
      } /> : null}
      <StatusBar session={session} terminal={terminal} />
    </div>
  );
}

function ReplicaSummary({ session }: { session: TillSession }) {
  const [products, setProducts] = useState<number | null>(null);
  useEffect(() => {
    const sub = session.db.products.count().$.subscribe(setProducts);
    return () => sub.unsubscribe();
  }, [session]);
  return <span className="hint" data-testid="replica-summary">{products === null ? '' : `${products.toLocaleString()} products on this till`}</span>;
}
