/**
 * Manager screens, behind the till's manager code: issue a gift card (its number and PIN are shown
 * once, with a Code-128 barcode and a QR code to print or hand over), look one up with its history,
 * top it up, and undo a card issued by mistake. The till's API client needs write:wallets for
 * these; without it the screen says so instead of failing on the first click.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { formatMoney, type Currency } from '@pos/core';
import type { Card, Transaction } from '@pos/core/contracts/wallets';
import type { IssuedCard, WalletAdminClient, WalletClient } from '../../api/wallet-client.ts';
import type { Capabilities } from '../../platform/token-scopes.ts';
import type { PosPlatform } from '../../platform/pos-platform.ts';
import { errorText } from '../../ui/error-text.ts';
import { parseMoneyInput } from '../sale/sale-screen.tsx';
import { code128, qrCode } from './barcodes.ts';

interface Props {
  platform: PosPlatform;
  wallets: WalletClient;
  admin: WalletAdminClient;
  capabilities: Capabilities;
  currency: Currency;
  newId: () => string;
  /** The Sync & offline section (outbox, refused records, offline exceptions), shown whatever the gift-card scopes. */
  sync?: ReactNode;
}

export function ManagerScreen(props: Props) {
  const [unlocked, setUnlocked] = useState(false);
  if (!unlocked) return <ManagerLogin platform={props.platform} onUnlock={() => setUnlocked(true)} />;
  if (!props.capabilities.issueGiftCards) {
    return (
      <main className="screen">
        <section className="card setup" aria-label="Gift cards">
          <h1>Gift cards</h1>
          <p className="error" role="alert">
            This till&apos;s API client may not issue or top up gift cards: it needs the scope write:wallets (or admin:wallets). Ask
            whoever runs the server to create a client with it, e.g. <code>npm run -s admin -- client:create T… till-1 --scopes &quot;write:wallets read:wallets read:products&quot;</code>,
            and set the till up with that client.
          </p>
        </section>
        {props.sync}
      </main>
    );
  }
  return (
    <main className="manager">
      {props.sync}
      <IssueCard {...props} />
      <LookUpCard {...props} />
    </main>
  );
}

function ManagerLogin({ platform, onUnlock }: { platform: PosPlatform; onUnlock: () => void }) {
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await platform.checkManagerPin(pin)) onUnlock();
    else setError('That manager code is not right.');
    setPin('');
  };
  return (
    <main className="screen">
      <form className="card setup" aria-label="Manager login" onSubmit={(e) => void submit(e)}>
        <h1>Manager</h1>
        <p className="lead">Enter the manager code to issue and top up gift cards.</p>
        {error === null ? null : <p className="error" role="alert">{error}</p>}
        <div className="field">
          <label htmlFor="manager-code">Manager code</label>
          <input id="manager-code" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoFocus autoComplete="off" />
        </div>
        <button className="primary" type="submit">Unlock</button>
      </form>
    </main>
  );
}

function IssueCard({ admin, currency, newId }: Props) {
  const [amount, setAmount] = useState('');
  const [name, setName] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [withPin, setWithPin] = useState(true);
  const [issued, setIssued] = useState<IssuedCard | null>(null);
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const minor = parseMoneyInput(amount);
    if (minor === null || minor <= 0) {
      setNotice({ kind: 'error', text: 'Enter the amount to put on the card, e.g. 500.' });
      return;
    }
    setBusy(true);
    setNotice(null);
    try {
      const card = await admin.issue({ cardId: `GC-${newId().slice(0, 8).toUpperCase()}`, amount: minor, currency, name: name.trim() || undefined, customerId: customerId.trim() || undefined, withPin });
      setIssued(card);
      setAmount('');
      setName('');
      setCustomerId('');
    } catch (err) {
      setNotice({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const voidIssue = async (card: IssuedCard): Promise<void> => {
    setBusy(true);
    try {
      // Undo: take the issued value back off the card (a ledger entry, not an edit), then retire it.
      if (card.amount_available > 0) await admin.drawdown(card.card_id, card.amount_available, card.currency, `void-issue:${card.id}`);
      await admin.remove(card.card_id);
      setIssued(null);
      setNotice({ kind: 'ok', text: `Card ${card.card_id} was voided. Its number no longer works.` });
    } catch (err) {
      setNotice({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  if (issued !== null) {
    const token = issued.card_token?.token.value ?? '';
    const pin = issued.pin?.pin.value;
    return (
      <section className="card issued" aria-label="Issued gift card">
        <h2>Gift card issued: {formatMoney(issued.amount, issued.currency)}</h2>
        <p className="hint no-print">Print or hand this over now: the number and PIN are not shown again.</p>
        <div className="printable-card">
          <p className="card-name">{issued.name ?? 'Gift card'}</p>
          <p className="token" data-testid="issued-token">{token.replace(/(\d{4})(?=\d)/g, '$1 ')}</p>
          <img className="code128" src={code128(token)} alt={`Barcode for card number ${token}`} />
          <img className="qr" src={qrCode(token)} alt={`QR code for card number ${token}`} />
          {pin === undefined ? <p>No PIN</p> : <p className="pin">PIN <strong data-testid="issued-pin">{pin}</strong></p>}
          <p className="hint">Card {issued.card_id}</p>
        </div>
        <div className="row no-print">
          <button type="button" className="secondary" onClick={() => window.print()}>Print</button>
          <button type="button" className="danger" disabled={busy} onClick={() => void voidIssue(issued)}>Void this card (issued by mistake)</button>
          <button type="button" className="primary" onClick={() => setIssued(null)}>Done</button>
        </div>
      </section>
    );
  }

  return (
    <form className="card" aria-label="Issue a gift card" onSubmit={(e) => void submit(e)}>
      <h2>Issue a gift card</h2>
      {notice === null ? null : <p className={notice.kind === 'error' ? 'error' : 'ok'} role={notice.kind === 'error' ? 'alert' : 'status'}>{notice.text}</p>}
      <div className="field"><label htmlFor="issue-amount">Amount ({currency})</label><input id="issue-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} autoComplete="off" /></div>
      <div className="field"><label htmlFor="issue-name">Name on the card (optional)</label><input id="issue-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" /></div>
      <div className="field"><label htmlFor="issue-customer">Customer id (optional)</label><input id="issue-customer" value={customerId} onChange={(e) => setCustomerId(e.target.value)} autoComplete="off" /></div>
      <label className="check"><input type="checkbox" checked={withPin} onChange={(e) => setWithPin(e.target.checked)} /> Protect with a PIN</label>
      <button className="primary" type="submit" disabled={busy}>Issue card</button>
    </form>
  );
}

function LookUpCard({ wallets, admin, currency, newId }: Props) {
  const [token, setToken] = useState('');
  const [pin, setPin] = useState('');
  const [needPin, setNeedPin] = useState(false);
  const [card, setCard] = useState<Card | null>(null);
  const [history, setHistory] = useState<Transaction[]>([]);
  const [topUp, setTopUp] = useState('');
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);

  const refresh = async (cardId: string): Promise<void> => {
    setCard(await admin.details(cardId));
    setHistory(await admin.history(cardId));
  };

  const look = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setNotice(null);
    try {
      const found = await wallets.info(token.trim().replaceAll(' ', ''), needPin ? pin : undefined);
      setNeedPin(false);
      setPin('');
      await refresh(found.card_id);
    } catch (err) {
      if (err instanceof Error && 'code' in err && err.code === 'WALLET_PIN_REQUIRED') setNeedPin(true);
      setCard(null);
      setNotice({ kind: 'error', text: errorText(err) });
    }
  };

  const fund = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const minor = parseMoneyInput(topUp);
    if (card === null || minor === null || minor <= 0) return;
    try {
      await admin.fund(card.card_id, minor, card.currency, `top-up:${newId()}`);
      setTopUp('');
      await refresh(card.card_id);
      setNotice({ kind: 'ok', text: `Added ${formatMoney(minor, card.currency)}.` });
    } catch (err) {
      setNotice({ kind: 'error', text: errorText(err) });
    }
  };

  return (
    <section className="card" aria-label="Look up a gift card">
      <h2>Look up or top up a gift card</h2>
      <form onSubmit={(e) => void look(e)}>
        <div className="field"><label htmlFor="lookup-token">Card number</label><input id="lookup-token" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" /></div>
        {needPin ? <div className="field"><label htmlFor="lookup-pin">Card PIN (the customer enters it)</label><input id="lookup-pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoFocus autoComplete="off" /></div> : null}
        <button type="submit" className="secondary" disabled={token.trim() === ''}>Look up</button>
      </form>
      {notice === null ? null : <p className={notice.kind === 'error' ? 'error' : 'ok'} role={notice.kind === 'error' ? 'alert' : 'status'}>{notice.text}</p>}
      {card === null ? null : (
        <div className="lookup-result">
          <p className="balance">Available <strong data-testid="card-available">{formatMoney(card.amount_available, card.currency)}</strong> <span className="hint">of {formatMoney(card.amount_balance, card.currency)} · {card.status} · {card.card_id}</span></p>
          <form className="row" onSubmit={(e) => void fund(e)}>
            <label className="sr-only" htmlFor="top-up">Top-up amount ({currency})</label>
            <input id="top-up" inputMode="decimal" placeholder={`Amount (${currency})`} value={topUp} onChange={(e) => setTopUp(e.target.value)} autoComplete="off" />
            <button type="submit" className="secondary" disabled={parseMoneyInput(topUp) === null}>Top up</button>
          </form>
          <table className="history" aria-label="Card history">
            <tbody>
              {history.map((t) => (
                <tr key={t.id}><td>{new Date(t.created_at).toLocaleString()}</td><td>{t.type.replace('_', ' ')}</td><td>{t.type === 'fund' ? '+' : '−'}{formatMoney(t.amount, t.currency)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
