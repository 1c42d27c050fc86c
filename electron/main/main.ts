// The Electron entry: single instance, the scheme registered before ready, then runShell with the
// real `electron` module and the command line `npm start` passes (--central/--token/--scope/
// --data-dir/--display, one spec with the browser host). `--set-token T` stores the centre token
// with safeStorage and exits.
import * as electron from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlagError } from '../../shared/args.js';
import { rotatingLog } from '../core/log.js';
import { parseShellArgs, registerScheme, runShell, saveToken, type Shell, type ShellFlags } from './shell.js';

const { app } = electron;
// Tests and multi-instance setups may place the user-data folder (config, token, replica) elsewhere.
if (process.env['GUARDPOST_USER_DATA']) app.setPath('userData', process.env['GUARDPOST_USER_DATA']);
const log = rotatingLog(join(app.getPath('logs'), 'guardpost.log'), { echo: true });

let flags: ShellFlags = {};
let flagError: string | undefined;
try {
  flags = parseShellArgs(process.argv, Boolean(process.defaultApp));
} catch (err) {
  if (!(err instanceof FlagError)) throw err;
  // Shown on the first-run screen: a wall that cannot start says why rather than vanish.
  flagError = err.message;
  log(`command line refused: ${err.message}`);
}

registerScheme(electron);
let shell: Shell | null = null;
if (!app.requestSingleInstanceLock()) app.quit();
else {
  void app.whenReady().then(() => {
    if (flags['set-token'] !== undefined) {
      saveToken(electron, app.getPath('userData'), flags['set-token']);
      log('token stored with safeStorage');
      app.quit();
      return;
    }
    shell = runShell(electron, { distDir: join(__dirname, '..'), log, toFileUrl: (p) => pathToFileURL(p).toString(), flags, ...(flagError ? { flagError } : {}) });
  });
  // A kiosk window that closes is re-created by the shell; anything else closing ends the app.
  app.on('window-all-closed', () => {
    if (!shell || shell.quitWhenAllClosed()) app.quit();
  });
}
