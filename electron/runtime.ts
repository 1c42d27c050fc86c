// Whether the Electron runtime can run here, and why not: used by `npm start` and by the
// Electron e2e suite, which skips itself with this reason where the runtime is absent.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Electron binary, or why it cannot be used here. Reads the electron package's path.txt
 * instead of requiring it: requiring it tries a download on a machine that has none.
 */
export function electronRuntime(): { path: string } | { why: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const binary = existsSync(pathFile) ? join(process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? join(pkgDir, 'dist'), readFileSync(pathFile, 'utf8').trim()) : null;
  if (!binary || !existsSync(binary)) {
    return { why: 'the Electron runtime is not installed (the electron package downloads it from the internet at install time, which this machine cannot reach)' };
  }
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) return { why: 'no display to open a window on (DISPLAY is not set)' };
  return { path: binary };
}

