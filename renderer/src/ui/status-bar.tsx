import { useSyncExternalStore } from 'react';
import type { TillSession } from '../app/till-session.ts';

const timeOf = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }));

/** Always on screen: can the till reach the server, when did it last sync, what waits in the outbox and what the server refused. */
export function StatusBar({ session, terminal }: { session: TillSession; terminal: string }) {
  const status = useSyncExternalStore(session.subscribe, session.getStatus);
  return (
    <footer className="statusbar" role="status" aria-label="Till status">
      <span data-testid="connection">
        <span className={`dot ${status.online ? 'online' : 'offline'}`} aria-hidden="true" />
        {status.online ? 'Online' : 'Offline'}
      </span>
      <span data-testid="last-sync">Last sync: {timeOf(status.lastSyncAt)}</span>
      <span data-testid="pending">Pending uploads: {status.pending}</span>
      {status.parked === 0 ? null : <span data-testid="refused" className="warning" title={status.error ?? undefined}>Refused by the server: {status.parked} (see Manager · Sync &amp; offline)</span>}
      <span className="spacer" />
      <span>{terminal}</span>
    </footer>
  );
}
