/**
 * Customer settings (contract §2.3). PUT replaces the whole object (it is a PUT of
 * CustomersSettings); GET fills in Dintero's defaults (HEAD disabled, no duplicate phone numbers,
 * uuid customer ids). HMAC secrets of auto_tokens go only to callers that may change settings;
 * read-only and public callers get the entries without `secret`.
 *
 * Stored and echoed but not acted on (no customer login here): `users.mfa` and
 * `users.verifications`. Auto tokens apply from the next create or email/phone change of a
 * customer; existing customers are not back-filled when the setting changes.
 */
import type { Actor } from './effects.ts';
import type { Settings, SettingsResponse } from './schemas.ts';
import { settingsOf, withDefaults, write, type Context } from './shared.ts';

function withoutSecrets(s: Settings): SettingsResponse {
  const strip = (list: NonNullable<Settings['auto_tokens']>['email']) => list?.map((t) => (t.type === 'HMAC-SHA256' ? { type: t.type } : t));
  return s.auto_tokens === undefined ? s : { ...s, auto_tokens: { phone_number: strip(s.auto_tokens.phone_number), email: strip(s.auto_tokens.email) } };
}

export function settingsMethods(ctx: Context) {
  return {
    async getSettings(accountId: string, withSecrets: boolean): Promise<SettingsResponse> {
      const s = await settingsOf(ctx, accountId);
      return withSecrets ? s : withoutSecrets(s);
    },

    async putSettings(actor: Actor, settings: Settings): Promise<Settings> {
      return write(ctx, actor, async (trx, _fx, at) => {
        await ctx.repo.saveSettings({ account_id: actor.accountId, settings: JSON.stringify(settings), last_sequence: null, updated_at: at, updated_by: actor.clientId }, trx);
        return withDefaults(settings);
      });
    },
  };
}
