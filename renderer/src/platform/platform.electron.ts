import type { PosBridge } from './bridge.ts';
import type { PosPlatform } from './pos-platform.ts';

/** Everything goes through main: the client secret never enters the renderer's memory. */
export function electronPlatform(bridge: PosBridge): PosPlatform {
  return {
    kind: 'electron',
    loadSetup: () => bridge.loadSetup(),
    saveSetup: (setup, secret) => bridge.saveSetup(setup, secret),
    accessToken: (options) => bridge.accessToken(options),
    setManagerPin: (pin) => bridge.setManagerPin(pin),
    checkManagerPin: (pin) => bridge.checkManagerPin(pin),
  };
}
