/**
 * Who is buying, at the counter: find them (scan their card or app QR anywhere on the sale screen,
 * or type their phone number), see their stamp cards and bonus, spend points, remove them, or
 * enrol a new member. All of it works offline: an enrolment made while the server cannot be
 * reached waits in the till's outbox, and the new member is found by phone on this till meanwhile.
 */
import { useState, type FormEvent } from 'react';
import { formatMoney, type Currency } from '@pos/core';
import type { CustomerClient } from '../../api/customer-client.ts';
import { errorText } from '../../ui/error-text.ts';
import { ApiCallError } from '../../api/http.ts';
import type { SaleCustomer } from '../../machines/checkout.machine.ts';
import type { TillRules } from '../sale/discount-rules.ts';
import { customerName, normalisePhone, type PhoneMatch } from './customer-index.ts';
import { stampCards, type LoyaltyState } from './loyalty.ts';

export interface CustomerPanelProps {
  customer: SaleCustomer | null;
  loyalty: LoyaltyState | null;
  rules: TillRules;
  currency: Currency;
  /** Whether the points code is on this sale. */
  pointsOn: boolean;
  /** False once payment has started: the customer and points are then fixed. */
  editable: boolean;
  now: Date;
  findByPhone: (e164: string) => Promise<PhoneMatch[]>;
  onIdentify: (customer: SaleCustomer) => void;
  onRemove: () => void;
  onTogglePoints: (code: string) => void;
  enrol: { allowed: boolean; client: CustomerClient; storeId: string };
}

export function CustomerPanel(props: CustomerPanelProps) {
  const { customer, loyalty } = props;
  return (
    <section className="customer" aria-label="Customer">
      {customer === null ? <FindCustomer {...props} /> : (
        <>
          <div className="customer-head">
            <strong data-testid="customer-name">{customer.name}</strong>
            {props.editable ? <button type="button" className="link" onClick={props.onRemove}>Remove customer</button> : null}
          </div>
          <LoyaltySummary rules={props.rules} loyalty={loyalty} currency={props.currency} now={props.now} />
          {props.editable ? <PointsButton rules={props.rules} loyalty={loyalty} currency={props.currency} pointsOn={props.pointsOn} onToggle={props.onTogglePoints} /> : null}
        </>
      )}
    </section>
  );
}

/** Stamp cards and bonus: the server's figures, and what this till's unconfirmed sales add, labelled provisional. */
export function LoyaltySummary({ rules, loyalty, currency, now }: { rules: TillRules; loyalty: LoyaltyState | null; currency: Currency; now: Date }) {
  if (loyalty === null) return null;
  const confirmed = stampCards(rules, loyalty.confirmed, now);
  const provisional = stampCards(rules, loyalty.provisional, now);
  const balance = loyalty.confirmed?.bonus.balance ?? 0;
  const provisionalBalance = loyalty.provisional.bonus.balance;
  return (
    <dl className="loyalty" aria-label="Loyalty">
      {confirmed.map((card, i) => {
        const after = provisional[i]?.collected ?? card.collected;
        return (
          <div key={card.discount_id} className="loyalty-row" data-testid="stamp-card">
            <dt>{card.name}</dt>
            <dd>
              <span data-testid="stamp-count">{card.collected} of {card.needed}</span> stamps
              {card.collected >= card.needed ? <span className="ok-text"> · the next one is free</span> : null}
              {loyalty.pendingSales > 0 && after !== card.collected ? <span className="provisional" data-testid="stamp-provisional"> · {after} of {card.needed} provisional</span> : null}
            </dd>
          </div>
        );
      })}
      <div className="loyalty-row">
        <dt>Bonus</dt>
        <dd>
          <span data-testid="bonus-balance">{formatMoney(balance, currency)}</span>
          {loyalty.pendingSales > 0 && provisionalBalance !== balance ? <span className="provisional" data-testid="bonus-provisional"> · {formatMoney(provisionalBalance, currency)} provisional</span> : null}
        </dd>
      </div>
      {loyalty.pendingSales > 0 ? (
        <p className="hint" data-testid="loyalty-pending">
          Provisional: {loyalty.pendingSales === 1 ? '1 sale' : `${loyalty.pendingSales} sales`} on this till the server has not confirmed yet.
        </p>
      ) : null}
    </dl>
  );
}

function PointsButton({ rules, loyalty, currency, pointsOn, onToggle }: { rules: TillRules; loyalty: LoyaltyState | null; currency: Currency; pointsOn: boolean; onToggle: (code: string) => void }) {
  const points = rules.points;
  if (points === null) return null;
  if (points.code === null) return <p className="hint">Bonus points are taken off every purchase automatically.</p>;
  const spendable = loyalty?.spendable ?? 0;
  const code = points.code;
  if (spendable <= 0 && !pointsOn) {
    const pendingSpend = (loyalty?.confirmed?.bonus.balance ?? 0) > 0;
    return (
      <p className="hint" data-testid="points-none">
        {pendingSpend ? 'No points to spend: a sale on this till that the server has not confirmed yet spent them.' : `No points to spend: the bonus balance is ${formatMoney(loyalty?.confirmed?.bonus.balance ?? 0, currency)}.`}
      </p>
    );
  }
  return (
    <button type="button" className={`secondary points${pointsOn ? ' on' : ''}`} aria-pressed={pointsOn} onClick={() => onToggle(code)}>
      Use points ({formatMoney(spendable, currency)})
    </button>
  );
}

function FindCustomer(props: CustomerPanelProps) {
  const [phone, setPhone] = useState('');
  const [matches, setMatches] = useState<readonly PhoneMatch[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [enrolling, setEnrolling] = useState(false);
  const search = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const e164 = normalisePhone(phone);
    if (e164 === null) {
      setProblem('Type a phone number: 8 digits, or + and the country code.');
      setMatches(null);
      return;
    }
    setProblem(null);
    const [replica, provisional] = await Promise.all([props.findByPhone(e164), props.enrol.client.provisionalByPhone(e164)]);
    // The replica's customer wins once replication has brought the enrolled one: never listed twice.
    const known = new Set(replica.map((m) => m.customer_id));
    const found = [...replica, ...provisional.filter((p) => !known.has(p.customer_id))];
    setMatches(found);
    if (found.length === 0) setProblem(`No customer on this till has the phone number ${e164}.`);
  };
  if (enrolling) {
    return (
      <EnrolForm
        {...props.enrol}
        initialPhone={phone}
        onDone={(c) => {
          setEnrolling(false);
          if (c !== null) props.onIdentify(c);
        }}
      />
    );
  }
  return (
    <>
      <p className="hint">Scan the customer&apos;s card or app code, or find them by phone.</p>
      {props.editable ? (
        <>
          <form className="phone-search" onSubmit={(e) => void search(e)}>
            <label htmlFor="customer-phone">Customer phone</label>
            <input id="customer-phone" value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" autoComplete="off" />
            <button type="submit" className="secondary" disabled={phone.trim() === ''}>Find customer</button>
          </form>
          {problem === null ? null : <p className="hint" role="status">{problem}</p>}
          {matches === null || matches.length === 0 ? null : (
            <ul className="matches" aria-label="Customers found">
              {matches.map((m) => (
                <li key={m.customer_id}>
                  <span>{m.name} · {m.phone_number}{m.email === undefined ? '' : ` · ${m.email}`}</span>
                  <button type="button" className="secondary" onClick={() => props.onIdentify({ customer_id: m.customer_id, name: m.name })}>Select {m.name}</button>
                </li>
              ))}
            </ul>
          )}
          <button type="button" className="link" onClick={() => setEnrolling(true)}>Enrol new member</button>
        </>
      ) : null}
    </>
  );
}

function EnrolForm({ allowed, client, storeId, initialPhone, onDone }: { allowed: boolean; client: CustomerClient; storeId: string; initialPhone: string; onDone: (c: SaleCustomer | null) => void }) {
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const [phone, setPhone] = useState(initialPhone);
  const [email, setEmail] = useState('');
  const [sms, setSms] = useState(false);
  const [mail, setMail] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<SaleCustomer | null>(null);
  if (queued !== null) {
    return (
      <div className="enrol" role="region" aria-label="Enrol new member">
        <p className="hint" data-testid="enrol-queued">
          The server cannot be reached, so {queued.name} is enrolled on this till for now: the enrolment will be sent when the server is back. They can buy and collect stamps already.
        </p>
        <button type="button" className="primary" onClick={() => onDone(queued)}>Add {queued.name} to the sale</button>
      </div>
    );
  }
  if (!allowed) {
    return (
      <div className="enrol" role="region" aria-label="Enrol new member">
        <p className="error" data-testid="enrol-not-allowed">This till&apos;s API client may not enrol customers; ask the manager to add the scope create:customers:/users.</p>
        <button type="button" className="secondary" onClick={() => onDone(null)}>Back</button>
      </div>
    );
  }
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const e164 = phone.trim() === '' ? undefined : normalisePhone(phone);
    if (e164 === null) {
      setError('The phone number is not valid: type 8 digits, or + and the country code.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { customer: c, queued: later } = await client.enrol({ first_name: first.trim(), last_name: last.trim(), phone_number: e164, email: email.trim() === '' ? undefined : email.trim(), sms_consent: sms, email_consent: mail, store_id: storeId });
      const enrolled = { customer_id: c.customer_id, name: customerName(c) };
      if (later) setQueued(enrolled);
      else onDone(enrolled);
    } catch (err) {
      setError(err instanceof ApiCallError && err.status === 0 ? 'The server cannot be reached and this till could not keep the enrolment. Try again.' : `The server did not enrol the customer: ${errorText(err)}`);
      setBusy(false);
    }
  };
  return (
    <form className="enrol" aria-label="Enrol new member" onSubmit={(e) => void submit(e)}>
      <h3>Enrol new member</h3>
      <p className="hint">Offline, the enrolment is kept on this till and sent when the server is back; the member can buy at once.</p>
      <div className="field"><label htmlFor="enrol-first">First name</label><input id="enrol-first" value={first} onChange={(e) => setFirst(e.target.value)} autoComplete="off" required /></div>
      <div className="field"><label htmlFor="enrol-last">Last name</label><input id="enrol-last" value={last} onChange={(e) => setLast(e.target.value)} autoComplete="off" required /></div>
      <div className="field"><label htmlFor="enrol-phone">Phone</label><input id="enrol-phone" value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" autoComplete="off" /></div>
      <div className="field"><label htmlFor="enrol-email">E-mail</label><input id="enrol-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" /></div>
      <label className="check"><input type="checkbox" checked={sms} onChange={(e) => setSms(e.target.checked)} /> Yes to marketing by SMS</label>
      <label className="check"><input type="checkbox" checked={mail} onChange={(e) => setMail(e.target.checked)} /> Yes to marketing by e-mail</label>
      {error === null ? null : <p className="error" role="alert">{error}</p>}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || first.trim() === '' || last.trim() === ''}>Enrol and add to sale</button>
        <button type="button" className="secondary" onClick={() => onDone(null)} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}
