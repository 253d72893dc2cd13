/** Main's side of the preload bridge: every `pos:` channel answers from one handler table. */
import { CHANNELS, type Channel } from './channels.ts';
import type { terminalCredentials } from '../auth/terminal-credentials.ts';

type Credentials = ReturnType<typeof terminalCredentials>;

export function ipcHandlers(credentials: Credentials): Record<Channel, (...args: unknown[]) => unknown> {
  return {
    [CHANNELS.loadSetup]: () => credentials.loadSetup(),
    [CHANNELS.saveSetup]: (setup, secret) => credentials.saveSetup(setup, secret),
    [CHANNELS.accessToken]: (options) => credentials.accessToken(options),
    [CHANNELS.setManagerPin]: (pin) => credentials.setManagerPin(pin),
    [CHANNELS.checkManagerPin]: (pin) => credentials.checkManagerPin(pin),
  };
}
