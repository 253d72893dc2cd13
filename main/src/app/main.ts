/**
 * Electron's composition root: one hardened window showing the till. The till's credentials and
 * devices arrive with the next milestones; this is the shell they plug into.
 */
import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';
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

app.whenReady().then(createWindow, (e: unknown) => {
  console.error(e);
  app.exit(1);
});
app.on('window-all-closed', () => app.quit());
