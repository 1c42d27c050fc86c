/** The app's version, reported in display heartbeats (kept equal to package.json by a test). */
export const APP_VERSION = '0.1.0';
