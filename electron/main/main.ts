// The Electron entry: single instance, the scheme registered before ready, then runShell with the
// real `electron` module. `--set-token T` stores the centre token with safeStorage and exits.
import * as electron from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rotatingLog } from '../core/log.js';
import { registerScheme, runShell, saveToken } from './shell.js';

const { app } = electron;
// Tests and multi-instance setups may place the user-data folder (config, token, replica) elsewhere.
if (process.env['GUARDPOST_USER_DATA']) app.setPath('userData', process.env['GUARDPOST_USER_DATA']);
const log = rotatingLog(join(app.getPath('logs'), 'guardpost.log'), { echo: true });
const args = process.argv.slice(process.defaultApp ? 2 : 1);

registerScheme(electron);
if (!app.requestSingleInstanceLock()) app.quit();
else {
  void app.whenReady().then(() => {
    const i = args.indexOf('--set-token');
    if (i >= 0) {
      saveToken(electron, app.getPath('userData'), args[i + 1] ?? '');
      log('token stored with safeStorage');
      app.quit();
      return;
    }
    runShell(electron, { distDir: join(__dirname, '..'), log, toFileUrl: (p) => pathToFileURL(p).toString() });
  });
  app.on('window-all-closed', () => app.quit());
}
