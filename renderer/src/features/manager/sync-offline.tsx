/**
 * Manager · Sync & offline: what this till still owes the server, the records the server refused
 * (parked: kept, never deleted, never blocking the others), what to do about each, and the
 * server's offline gift-card exceptions with a way to resolve them.
 *
 * Nothing here deletes a record: a pending or parked record is money or a customer the server
 * must get, so the only actions are "Try again now" and fixing the cause on the server.
 */
import { useCallback, useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { formatMoney, type Currency, type OfflineException } from '@pos/core';
import type { PosDatabase } from '../../db/database.ts';
import type { OutboxDoc, OutboxKind } from '../../db/schemas.ts';
import type { OfflineState } from '../../app/offline-lease.ts';
import { errorText } from '../../ui/error-text.ts';
import type { OfflineExceptionsClient } from './offline-exceptions.ts';

export interface SyncOfflineProps {
  db: PosDatabase;
  /** The till's offline lease keeper (app/offline-lease.ts). */
  offline: { subscribe(listener: () => void): () => void; getState(): OfflineState };
  status: { subscribe(listener: () => void): () => void; getStatus(): { readonly pending: number; readonly parked: number; readonly online: boolean } };
  retryParked: () => Promise<void>;
  exceptions: OfflineExceptionsClient;
  canReadExceptions: boolean;
  canResolveExceptions: boolean;
  currency: Currency;
}

const KIND_LABEL: Readonly<Record<OutboxKind, string>> = { receipt: 'Sale', capture: 'Gift card capture', wallet_entry: 'Gift card taken offline', enrolment: 'Enrolment' };

/** Plain words per kind: what being refused means and what a manager can do. */
export const PARKED_ADVICE: Readonly<Record<OutboxKind, string>> = {
  receipt:
    'The sale itself is done and paid; only its receipt is missing on the server, so loyalty for it is not counted yet. Fix what the server says (for example a discount rule or product that was removed), then press Try again now. The receipt stays on this till until the server takes it.',
  capture:
    'The sale is done and the amount is held on the gift card, but the server did not complete the payment. Look the card up in the gift card screen: if the hold is still there, press Try again now; if the hold was voided, the customer did not pay that part and the sale must be settled by hand.',
  wallet_entry:
    'The gift card was used offline and the money was handed out. Until the server takes this payment the card shows too much. Check the card in the gift card screen, fix what the server says, then press Try again now; if it keeps failing, give the sale id to whoever runs the server.',
  enrolment:
    'The customer was enrolled on this till while it was offline, but the server did not create them. If they already exist (same phone or e-mail), find them by phone next time; their sales on this till keep the id made here. Fix the details on the server if needed, then press Try again now.',
};

const timeOf = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' });
};
const keyOf = (doc: Pick<OutboxDoc, 'id'>): string => doc.id.slice(doc.id.indexOf(':') + 1);

export function SyncOffline(props: SyncOfflineProps) {
  return (
    <section className="card sync-offline" aria-label="Sync and offline">
      <h2>Sync &amp; offline</h2>
      <Outbox {...props} />
      <OfflinePermission {...props} />
      <Exceptions {...props} />
    </section>
  );
}

function Outbox({ db, status, retryParked }: SyncOfflineProps) {
  const s = useSyncExternalStore(status.subscribe, status.getStatus);
  const [parked, setParked] = useState<readonly OutboxDoc[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const sub = db.outbox.find({ selector: { state: 'parked' }, sort: [{ order_key: 'asc' }] }).$.subscribe((docs) => setParked(docs.map((d) => d.toMutableJSON())));
    return () => sub.unsubscribe();
  }, [db]);
  const retry = async (): Promise<void> => {
    setBusy(true);
    try {
      await retryParked();
    } finally {
      setBusy(false);
    }
  };
  const waiting = s.pending - s.parked;
  return (
    <>
      <p className="hint" data-testid="outbox-summary">
        {s.pending === 0 ? 'Everything this till recorded is on the server.' : `${waiting} record${waiting === 1 ? '' : 's'} waiting to be sent${s.online ? '' : ' (the server cannot be reached now; they go up by themselves when it is back)'}; ${s.parked} refused by the server.`}
      </p>
      {parked.length === 0 ? null : (
        <>
          <ul className="parked" aria-label="Refused by the server">
            {parked.map((r) => (
              <li key={r.id} data-testid="parked-record">
                <strong>{KIND_LABEL[r.kind]}</strong> {keyOf(r).slice(0, 8)} · {timeOf(r.created_at)}
                {r.sale_id === undefined || r.kind === 'receipt' ? null : <> · sale {r.sale_id.slice(0, 8)}</>}
                <p className="error" data-testid="parked-error">The server said: {r.error ?? 'no reason given'}</p>
                <p className="hint">{PARKED_ADVICE[r.kind]}</p>
                <p className="hint">Tried {r.attempts} time{r.attempts === 1 ? '' : 's'}{r.last_attempt_at === undefined ? '' : `, last at ${new Date(r.last_attempt_at).toLocaleTimeString()}`}.</p>
              </li>
            ))}
          </ul>
          <button type="button" className="secondary" disabled={busy} onClick={() => void retry()}>{busy ? 'Trying…' : 'Try again now'}</button>
        </>
      )}
    </>
  );
}

/** Whether this till may take gift cards offline, until when and under which caps; or why not. */
export function permissionText(state: OfflineState, currency: Currency, now: number): { text: string; problem: string | null } {
  const problem = state.leaseError === null ? null : `The last attempt to renew it failed: ${state.leaseError}.`;
  const lease = state.lease;
  if (lease === null) return { text: 'This till has no offline permission: without the server it takes no gift cards.', problem };
  const p = lease.claims.policy;
  if (!p.enabled) return { text: 'The store policy takes no gift cards offline.', problem };
  const until = Date.parse(lease.claims.expires_at);
  const caps = `up to ${formatMoney(p.max_amount_per_card, currency)} per card, ${p.max_redemptions_per_card === 1 ? 'once' : `${p.max_redemptions_per_card} times`} per card, ${formatMoney(p.max_amount_per_terminal, currency)} on this till`;
  if (until <= now) return { text: `The offline permission ran out at ${timeOf(lease.claims.expires_at)}: without the server this till takes no gift cards.`, problem };
  return { text: `Gift cards are taken offline until ${timeOf(lease.claims.expires_at)} (${caps}); renewed each time the till reaches the server.`, problem };
}

function OfflinePermission({ offline, currency }: SyncOfflineProps) {
  const state = useSyncExternalStore(offline.subscribe, offline.getState);
  const { text, problem } = permissionText(state, currency, Date.now());
  return (
    <>
      <h3>Offline gift cards</h3>
      <p className="hint" data-testid="offline-permission">{text}</p>
      {problem === null ? null : <p className="error" data-testid="offline-permission-error">{problem}</p>}
    </>
  );
}

function Exceptions({ exceptions, canReadExceptions, canResolveExceptions, currency }: SyncOfflineProps) {
  const [list, setList] = useState<readonly OfflineException[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setList(await exceptions.listOpen());
      setProblem(null);
    } catch (err) {
      setProblem(`The exceptions could not be read: ${errorText(err)}`);
    }
  }, [exceptions]);
  useEffect(() => {
    if (canReadExceptions) void load();
  }, [canReadExceptions, load]);
  if (!canReadExceptions) return <p className="hint">This till&apos;s API client may not read offline gift-card exceptions (it needs read:wallets).</p>;
  return (
    <>
      <h3>Offline gift-card exceptions</h3>
      {problem === null ? null : <p className="error" role="alert">{problem}</p>}
      {list === null ? <p className="hint">Loading…</p> : list.length === 0 ? <p className="hint" data-testid="no-exceptions">No open exceptions.</p> : (
        <ul className="exceptions" aria-label="Open offline exceptions">
          {list.map((x) => (
            <li key={x.id} data-testid="offline-exception">
              <strong>Card {x.card_id}</strong> · {timeOf(x.created_at)} · sale {x.sale_id.slice(0, 8)} · terminal {x.terminal_id}
              <p>{x.message}</p>
              <p className="hint">Handed out {formatMoney(x.amount, currency)}, the card covered {formatMoney(x.applied_amount, currency)}: <strong>{formatMoney(x.shortfall, currency)}</strong> not covered.</p>
              {canResolveExceptions ? <Resolve id={x.id} exceptions={exceptions} onResolved={() => void load()} /> : <p className="hint">Resolving needs write:wallets on this till&apos;s API client.</p>}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link" onClick={() => void load()}>Refresh</button>
    </>
  );
}

function Resolve({ id, exceptions, onResolved }: { id: string; exceptions: OfflineExceptionsClient; onResolved: () => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      await exceptions.resolve(id, note.trim());
      onResolved();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <form className="row" aria-label="Resolve exception" onSubmit={(e) => void submit(e)}>
      <label htmlFor={`resolve-${id}`}>What was done</label>
      <input id={`resolve-${id}`} value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. customer paid the rest in cash" autoComplete="off" />
      <button type="submit" className="secondary" disabled={busy || note.trim() === ''}>Resolve</button>
      {error === null ? null : <p className="error" role="alert">{error}</p>}
    </form>
  );
}
