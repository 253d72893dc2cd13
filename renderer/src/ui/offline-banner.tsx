/**
 * At the top of the till while it cannot reach the server, like a card terminal's store-and-forward
 * notice: since when, how long gift cards are still taken offline (a countdown to the lease's
 * expiry, with the store policy behind it) and how many records wait to upload.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { TillSession } from '../app/till-session.ts';
import type { OfflineState } from '../app/offline-lease.ts';

const clock = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** "3 h 12 min 05 s", "12 min 05 s", "5 s": a countdown that visibly moves every second. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  if (h > 0) return `${h} h ${min} min ${sec} s`;
  return min > 0 ? `${min} min ${sec} s` : `${s % 60} s`;
}

const hours = (h: number): string => (Number.isInteger(h) ? `${h} h` : `${Math.round(h * 60)} min`);

/** What the banner says about gift cards, at `now`. */
export function giftCardLine(state: OfflineState, now: number): { text: string; stopped: boolean } {
  const lease = state.lease;
  if (lease === null) return { text: `Gift cards need the server (this till has no offline permission${state.leaseError === null ? ' yet' : `: ${state.leaseError}`})`, stopped: true };
  const p = lease.claims.policy;
  if (!p.enabled) return { text: 'Gift cards are not taken offline in this store (store policy)', stopped: true };
  const left = Date.parse(lease.claims.expires_at) - now;
  if (left <= 0) return { text: 'Gift cards need the server again (offline limit reached)', stopped: true };
  return { text: `gift cards offline for another ${countdown(left)} (store policy: ${hours(p.max_hours_since_sync)} after last sync)`, stopped: false };
}

export function OfflineBanner({ session }: { session: TillSession }) {
  const state = useSyncExternalStore(session.offline.subscribe, session.offline.getState);
  const status = useSyncExternalStore(session.subscribe, session.getStatus);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.online) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [state.online]);
  // Always an element: the till's grid has a row for the banner, empty while online.
  if (state.online) return <div className="offline-slot" />;
  const cards = giftCardLine(state, now);
  const waiting = status.pending === 1 ? '1 record waiting to upload' : `${status.pending} records waiting to upload`;
  return (
    <div className={`offline-slot offline-banner${cards.stopped ? ' stopped' : ''}`} role="status" aria-live="off" data-testid="offline-banner">
      <strong>Offline{state.offlineSince === null ? '' : ` since ${clock(state.offlineSince)}`}</strong>
      {' · '}
      <span data-testid="offline-gift-cards">{cards.text}</span>
      {' · '}
      <span data-testid="offline-pending">{waiting}</span>
    </div>
  );
}
