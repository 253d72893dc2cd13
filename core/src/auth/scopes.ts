/**
 * Dintero's scopes (contract §1.3, §0.6): `<level>:<service>` plus fine-grained
 * `<verb>:<service>:/<sub-path>`. A route lists the scopes that grant it; any one suffices and
 * `admin:<service>` always does.
 */
export const SERVICES = ['customers', 'locations', 'discounts', 'automations', 'receipts', 'wallets', 'hooks', 'products', 'accounts'] as const;
export type Service = (typeof SERVICES)[number];

export const LEVELS = ['admin', 'read', 'write', 'user', 'public'] as const;

/** Fine-grained scopes that exist in the contract besides `<level>:<service>`. */
export const SPECIAL_SCOPES = [
  'create:customers:/users',
  'user:customers:/customer/details',
  'write:accounts:/auth/users',
  'write:accounts:/auth/users/no-mfa',
  'create:accounts:auth:refresh_token',
  'write:discounts:/available_for_receipt',
  'read:discounts:/available_for_receipt',
  'write:discounts:/events',
  'write:wallets:/transactions',
  'write:wallets:/info',
] as const;

const KNOWN = new Set<string>([...SERVICES.flatMap((s) => LEVELS.map((l) => `${l}:${s}`)), ...SPECIAL_SCOPES]);

export const isKnownScope = (scope: string): boolean => KNOWN.has(scope);

/** The scopes that grant an operation: `admin:<svc>` first, then the listed ones. */
export function scopesFor(service: Service, ...granting: string[]): readonly string[] {
  return [`admin:${service}`, ...granting.filter((s) => s !== `admin:${service}`)];
}

export function hasAnyScope(granted: ReadonlySet<string>, required: readonly string[]): boolean {
  for (const s of required) if (granted.has(s)) return true;
  return false;
}

/** Splits and de-duplicates an OAuth `scope` string (space separated). */
export const parseScopes = (scope: string): string[] => [...new Set(scope.split(/\s+/).filter((s) => s !== ''))];
