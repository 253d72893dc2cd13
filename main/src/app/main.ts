/**
 * Electron's composition root: one hardened window showing the till, and the IPC handlers that keep
 * the till's client secret in main (sealed with the OS keychain). Devices arrive with a later milestone.
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, safeStorage } from 'electron';
import { terminalCredentials } from '../auth/terminal-credentials.ts';
import { ipcHandlers } from '../ipc/handlers.ts';
import { isAllowedNavigation, windowOptions } from './window-options.ts';

const tillUrl = process.env.POS_TILL_URL ?? 'http://127.0.0.1:5173/';

async function createWindow(): Promise<void> {
  const win = new BrowserWindow(windowOptions(join(import.meta.dirname, '../preload/preload.js')));
  const origin = new URL(tillUrl).origin;
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, origin)) event.preventDefault();
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(tillUrl);
}

function registerIpc(): void {
  const credentials = terminalCredentials(
    join(app.getPath('userData'), 'terminal.json'),
    { seal: (plain) => safeStorage.encryptString(plain), open: (sealed) => safeStorage.decryptString(sealed) },
    fetch,
    () => Date.now(),
  );
  for (const [channel, handle] of Object.entries(ipcHandlers(credentials))) {
    ipcMain.handle(channel, (_event, ...args: unknown[]) => handle(...args));
  }
}

app.whenReady().then(() => {
  registerIpc();
  return createWindow();
}, (e: unknown) => {
  console.error(e);
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
