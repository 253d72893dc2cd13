/** The shape of `window.pos`, exposed by main's preload. Shared by contract, not by import. */
import type { AccessToken, TerminalSetup } from './pos-platform.ts';

export interface PosBridge {
  loadSetup(): Promise<TerminalSetup | null>;
  saveSetup(setup: TerminalSetup, clientSecret: string): Promise<void>;
  accessToken(options?: { readonly fresh?: boolean }): Promise<AccessToken>;
  setManagerPin(pin: string): Promise<void>;
  checkManagerPin(pin: string): Promise<boolean>;
}

declare global {
  interface Window {
    pos?: PosBridge;
  }
}
