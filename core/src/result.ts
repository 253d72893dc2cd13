/** Domain errors are values with a namespaced code; only bugs throw. */
export interface DomainError<C extends string = string> {
  readonly code: C;
  readonly message: string;
}

export type Result<T, C extends string = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DomainError<C> };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });
export const err = <C extends string>(code: C, message: string): { readonly ok: false; readonly error: DomainError<C> } => ({
  ok: false,
  error: { code, message },
});
