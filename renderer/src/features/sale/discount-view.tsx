/**
 * How discounts show at the counter: their lines under each item (tap one to see why), the coupon
 * field, and the offers the engine looked at but did not give, each with its reason.
 */
import { useState, type FormEvent } from 'react';
import { formatMoney, type Currency, type PricedCart, type PricedLine } from '@pos/core';

export function LineDiscounts({ line, currency, onExplain }: { line: PricedLine | undefined; currency: Currency; onExplain: (discountId: string) => void }) {
  if (line === undefined || (line.discount_lines.length === 0 && line.bonus_lines.length === 0)) return null;
  return (
    <ul className="line-discounts" aria-label="Discounts on this line">
      {line.discount_lines.map((d, i) => (
        <li key={`d${i}`} data-testid="discount-line">
          <button type="button" className="link" onClick={() => d.discount_id !== undefined && onExplain(d.discount_id)}>{d.description ?? 'Discount'}</button>
          <span className="amount">−{formatMoney(d.amount, currency)}</span>
        </li>
      ))}
      {line.bonus_lines.map((b, i) => (
        <li key={`b${i}`} data-testid="bonus-line">
          <button type="button" className="link" onClick={() => b.discount_id !== undefined && onExplain(b.discount_id)}>{b.description ?? 'Bonus'}</button>
          <span className="amount">+{formatMoney(b.bonus, currency)} bonus</span>
        </li>
      ))}
    </ul>
  );
}

export function DiscountExplanation({ priced, discountId, currency, onClose }: { priced: PricedCart; discountId: string; currency: Currency; onClose: () => void }) {
  const entry = priced.trace.find((t) => t.discount_id === discountId);
  return (
    <section className="card explanation" role="dialog" aria-label="Why this discount">
      <h2>{entry?.name ?? 'Discount'}</h2>
      {entry === undefined ? <p>This discount is no longer on the sale.</p> : (
        <>
          <p data-testid="explanation-reason">{entry.reason}</p>
          <dl>
            <dt>Worked out from</dt><dd>{formatMoney(entry.base_amount, currency)}</dd>
            <dt>{entry.outcome === 'applied' ? 'Gives' : 'Would give'}</dt><dd>{formatMoney(entry.amount, currency)}</dd>
          </dl>
        </>
      )}
      <button type="button" className="secondary" onClick={onClose}>Close</button>
    </section>
  );
}

export function CouponForm({ codes, priced, rulesFor, onEnter, onRemove }: {
  codes: readonly string[]; priced: PricedCart; rulesFor: (code: string) => readonly string[]; onEnter: (code: string) => void; onRemove: (code: string) => void;
}) {
  const [code, setCode] = useState('');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (code.trim() === '') return;
    onEnter(code);
    setCode('');
  };
  return (
    <div className="coupons">
      <form className="coupon" onSubmit={submit}>
        <label htmlFor="coupon-input">Coupon code</label>
        <input id="coupon-input" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
        <button type="submit" className="secondary" disabled={code.trim() === ''}>Add coupon</button>
      </form>
      {codes.length === 0 ? null : (
        <ul className="coupon-list" aria-label="Coupons on this sale">
          {codes.map((c) => {
            const status = couponStatus(priced, rulesFor(c));
            return (
              <li key={c} data-testid="coupon">
                <strong>{c}</strong> <span className={status.applied ? 'ok' : 'hint'}>{status.text}</span>
                <button type="button" className="link" aria-label={`Remove coupon ${c}`} onClick={() => onRemove(c)}>Remove</button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The rules the engine checked but did not apply, with why: the cashier's answer to "where is my offer?". */
export function OffersChecked({ priced, onExplain }: { priced: PricedCart; onExplain: (discountId: string) => void }) {
  const skipped = priced.trace.filter((t) => t.outcome === 'skipped');
  if (skipped.length === 0) return null;
  return (
    <details className="offers-checked">
      <summary>Offers not given ({skipped.length})</summary>
      <ul>
        {skipped.map((t) => (
          <li key={t.discount_id}><button type="button" className="link" onClick={() => onExplain(t.discount_id)}>{t.name ?? 'Offer'}</button>: {t.reason}</li>
        ))}
      </ul>
    </details>
  );
}

function couponStatus(priced: PricedCart, ruleIds: readonly string[]): { applied: boolean; text: string } {
  const entries = priced.trace.filter((t) => ruleIds.includes(t.discount_id));
  if (entries.some((t) => t.outcome === 'applied')) return { applied: true, text: 'applied' };
  const why = entries.find((t) => t.outcome === 'skipped');
  return { applied: false, text: why === undefined ? 'not applied' : `not applied: ${why.reason}` };
}
