/** A small, frozen `window.pos`: the renderer's only way into main. */
import { contextBridge, ipcRenderer } from 'electron';
import { assertChannel, CHANNELS } from '../ipc/channels.ts';

const invoke = (channel: string, ...args: unknown[]): Promise<unknown> => {
  assertChannel(channel);
  return ipcRenderer.invoke(channel, ...args);
};

contextBridge.exposeInMainWorld('pos', Object.freeze({
  loadSetup: () => invoke(CHANNELS.loadSetup),
  saveSetup: (setup: unknown, secret: unknown) => invoke(CHANNELS.saveSetup, setup, secret),
  accessToken: (options?: unknown) => invoke(CHANNELS.accessToken, options),
  setManagerPin: (pin: unknown) => invoke(CHANNELS.setManagerPin, pin),
  checkManagerPin: (pin: unknown) => invoke(CHANNELS.checkManagerPin, pin),
}));
