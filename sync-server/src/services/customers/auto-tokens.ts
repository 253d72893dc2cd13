/**
 * settings.auto_tokens (contract §2.3): tokens the server derives from a customer's phone number
 * or email, re-made whenever that field changes. Dintero names the algorithms, not the token
 * `type`; ours is `<algorithm>:<field>` in lower case (`sha256:email`,
 * `hmac-sha256:phone_number`), after Dintero's own example type `sha1:email`. The digest is hex
 * over the email trimmed and lower-cased (emails compare case-insensitively) or the phone number
 * as stored. When another customer already holds the same (type, value) — two users of different
 * types may share an email — this customer simply gets no such token: a (type, value) names one
 * customer.
 */
import { createHash, createHmac } from 'node:crypto';
import { fold } from './model.ts';
import type { Settings } from './schemas.ts';

export type AutoSource = 'email' | 'phone_number';

export function autoTokens(settings: Settings, source: AutoSource, fieldValue: string | null): Array<{ type: string; value: string }> {
  if (fieldValue === null || fieldValue === '') return [];
  const input = source === 'email' ? fold(fieldValue.trim()) : fieldValue;
  const seen = new Set<string>();
  const out: Array<{ type: string; value: string }> = [];
  for (const spec of settings.auto_tokens?.[source] ?? []) {
    const token =
      spec.type === 'SHA256'
        ? { type: `sha256:${source}`, value: createHash('sha256').update(input).digest('hex') }
        : { type: `hmac-sha256:${source}`, value: createHmac('sha256', spec.secret).update(input).digest('hex') };
    const key = `${token.type}\u0000${token.value}`;
    if (!seen.has(key)) out.push(token);
    seen.add(key);
  }
  return out;
}
