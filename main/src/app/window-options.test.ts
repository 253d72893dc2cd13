import { describe, expect, it } from 'vitest';
import { isAllowedNavigation, windowOptions } from './window-options.ts';
import { assertChannel, CHANNELS } from '../ipc/channels.ts';

describe('electron shell settings', () => {
  it('keeps the renderer isolated and sandboxed', () => {
    expect(windowOptions('/p.js').webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
  });
  it('navigates only within the till origin', () => {
    expect(isAllowedNavigation('http://127.0.0.1:5173/sale', 'http://127.0.0.1:5173')).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', 'http://127.0.0.1:5173')).toBe(false);
    expect(isAllowedNavigation('not a url', 'http://127.0.0.1:5173')).toBe(false);
  });
  it('refuses IPC channels outside the pos: list', () => {
    expect(() => assertChannel(CHANNELS.accessToken)).not.toThrow();
    expect(() => assertChannel('pos:shell.exec')).toThrow(/not allowed/);
    expect(() => assertChannel('other')).toThrow(/not allowed/);
  });
});
