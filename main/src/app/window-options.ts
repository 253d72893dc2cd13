/** Hardened renderer settings, kept apart from Electron so they can be tested without its binary. */
export function windowOptions(preloadPath: string) {
  return {
    width: 1280,
    height: 800,
    show: false,
    backgroundColor: '#0f172a',
    webPreferences: { preload: preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  } as const;
}

/** Only the till's own origin may be shown; everything else stays out of the window. */
export function isAllowedNavigation(target: string, appOrigin: string): boolean {
  try {
    return new URL(target).origin === appOrigin;
  } catch {
    return false;
  }
}
