/** IPC channel names: `pos:<service>.<method>`; the preload refuses anything else. */
export const CHANNELS = {
  loadSetup: 'pos:terminal.loadSetup',
  saveSetup: 'pos:terminal.saveSetup',
  accessToken: 'pos:auth.accessToken',
  setManagerPin: 'pos:terminal.setManagerPin',
  checkManagerPin: 'pos:terminal.checkManagerPin',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

const known = new Set<string>(Object.values(CHANNELS));
export function assertChannel(channel: string): asserts channel is Channel {
  if (!channel.startsWith('pos:') || !known.has(channel)) throw new Error(`IPC channel ${channel} is not allowed`);
}
