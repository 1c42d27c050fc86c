// Pure pieces of the Electron shell's security, kept free of the `electron` import so they are
// unit-tested in plain Node.

/** The web preferences of every window: Electron's security checklist. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
    backgroundThrottling: false,
    // The alarm for urgent leads must sound on a wall nobody touches (Electron's default too; said here so it stays).
    autoplayPolicy: 'no-user-gesture-required',
  } as const;
}

/** The scheme the UI is served from; never a remote origin. */
export const APP_SCHEME = 'guardpost';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/** Whether a frame URL is our own UI (the only sender IPC accepts, the only place to navigate). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === 'app';
  } catch {
    return false;
  }
}

export const PRODUCTION_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
