import { useEffect, useState, useSyncExternalStore } from 'react';
import type { PosPlatform, TerminalSetup } from '../platform/pos-platform.ts';
import type { PosDatabase } from '../db/database.ts';
import { InitialSyncScreen, SetupScreen } from '../features/setup/setup-screen.tsx';
import { StatusBar } from '../ui/status-bar.tsx';
import { startTillSession, type TillSession } from './till-session.ts';

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
      started = startTillSession(db, { serverUrl: setup.serverUrl, accountId: setup.accountId, accessToken: async () => (await platform.accessToken()).accessToken, fetch: window.fetch.bind(window) }, () => Date.now());
      setSession(started);
    });
    return () => {
      stopped = true;
      void started?.stop();
    };
  }, [setup, platform, openDatabase]);

  if (setup === undefined) return null;
  if (setup === null) return <SetupScreen platform={platform} defaultServerUrl={defaultServerUrl} onReady={setSetup} />;
  if (session === null) return <InitialSyncScreen pulled={0} remaining={0} />;
  return <Till session={session} terminal={`${setup.accountId} · ${setup.serverUrl}`} />;
}

function Till({ session, terminal }: { session: TillSession; terminal: string }) {
  const status = useSyncExternalStore(session.subscribe, session.getStatus);
  return (
    <div className="app">
      {status.initialSync === null ? <ReadyScreen session={session} /> : <InitialSyncScreen pulled={status.initialSync.pulled} remaining={status.initialSync.remaining} />}
      <StatusBar session={session} terminal={terminal} />
    </div>
  );
}

function ReadyScreen({ session }: { session: TillSession }) {
  const [products, setProducts] = useState<number | null>(null);
  useEffect(() => {
    const sub = session.db.products.count().$.subscribe(setProducts);
    return () => sub.unsubscribe();
  }, [session]);
  return (
    <main className="screen">
      <section className="card setup" aria-label="Till ready">
        <h1>Ready to sell</h1>
        <p className="lead" data-testid="replica-summary">{products === null ? '' : `${products.toLocaleString()} products on this till`}</p>
      </section>
    </main>
  );
}
