/**
 * The renderer's only door to the machine it runs on. Two adapters implement it: `electron`
 * (through the preload's `window.pos`) and `browser` (kiosks, tests). The UI never branches on
 * which one it has.
 */
export interface TerminalSetup {
  readonly serverUrl: string;
  readonly accountId: string;
  readonly clientId: string;
}

export interface AccessToken {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface PosPlatform {
  readonly kind: 'electron' | 'browser';
  /** The terminal's setup, or null before first start. */
  loadSetup(): Promise<TerminalSetup | null>;
  /** Stores the setup; the client secret goes to the platform's keeper, never back to the UI. */
  saveSetup(setup: TerminalSetup, clientSecret: string): Promise<void>;
  /**
   * A valid access token for the stored client, renewed before it expires. `fresh` drops the
   * cached one first: the server answered 401 (the token expired during an outage, or the server
   * was set up again), so the till re-authenticates before it tries anything else.
   */
  accessToken(options?: { readonly fresh?: boolean }): Promise<AccessToken>;
  /** Sets the code that unlocks the manager screens on this till (kept hashed). */
  setManagerPin(pin: string): Promise<void>;
  checkManagerPin(pin: string): Promise<boolean>;
}
