/** The one place that picks the platform adapter. */
import { electronPlatform } from '../platform/platform.electron.ts';
import { browserPlatform } from '../platform/platform.browser.ts';
import type { PosPlatform } from '../platform/pos-platform.ts';
import '../platform/bridge.ts';

export function choosePlatform(win: Window): PosPlatform {
  return win.pos === undefined ? browserPlatform(win.localStorage, win.fetch.bind(win), () => Date.now()) : electronPlatform(win.pos);
}
