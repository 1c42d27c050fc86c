// The installed `guardpost` command (/usr/bin/guardpost runs this on the bundled Node): the
// `npm start` entry with the same flags. With GUARDPOST_CONF naming a configuration file (the
// service sets /etc/guardpost/guardpost.conf) its settings become flags placed before the
// command line's, so a flag given by hand wins. The token is read from its file here and handed
// over inside this process: it never appears on a command line (`ps` shows every user those).
import { readFileSync } from 'node:fs';

const KEYS = ['CENTRAL_URL', 'TOKEN_FILE', 'SCOPE', 'DISPLAY_CONFIG', 'DATA_DIR', 'DISPLAY', 'XAUTHORITY', 'CHROMIUM', 'HOST', 'PORT', 'EXTRA_ARGS'];

class ConfError extends Error {}

/** KEY=value lines (a value may be quoted), # comments; an unknown key or a bad line is refused. */
function parseConf(text, file) {
  const values = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (!m) throw new ConfError(`${file}:${i + 1}: expected KEY=value, got ${JSON.stringify(line)}`);
    const [, key, rawValue] = m;
    if (!KEYS.includes(key)) throw new ConfError(`${file}:${i + 1}: unknown setting ${key}; known: ${KEYS.join(', ')}`);
    const q = /^(["'])(.*)\1$/.exec(rawValue);
    values[key] = q ? q[2] : rawValue;
  });
  return values;
}

/** The flags (and the kiosk's environment) the configuration file asks for. */
function fromConf(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfError(`cannot read the configuration ${file}: ${err.message}`);
  }
  const c = parseConf(text, file);
  if (!c.CENTRAL_URL) throw new ConfError(`${file}: CENTRAL_URL is empty: set the centre's URL, put this wall's display token in ${c.TOKEN_FILE || 'the TOKEN_FILE'}, then systemctl restart guardpost`);
  if (!c.TOKEN_FILE) throw new ConfError(`${file}: TOKEN_FILE is empty: name the file holding this wall's display token`);
  let token;
  try {
    token = readFileSync(c.TOKEN_FILE, 'utf8').trim();
  } catch (err) {
    throw new ConfError(`cannot read the token file ${c.TOKEN_FILE} (named in ${file}): ${err.message}`);
  }
  if (!token) throw new ConfError(`the token file ${c.TOKEN_FILE} is empty: put the display token the centre issued for this wall in it, then systemctl restart guardpost`);
  const flags = ['--central', c.CENTRAL_URL, '--token', token];
  if (c.SCOPE) flags.push('--scope', c.SCOPE);
  if (c.DISPLAY_CONFIG) flags.push('--display', c.DISPLAY_CONFIG);
  if (c.DATA_DIR) flags.push('--data-dir', c.DATA_DIR);
  if (c.HOST) flags.push('--host', c.HOST);
  if (c.PORT) flags.push('--port', c.PORT);
  if (c.EXTRA_ARGS) flags.push(...c.EXTRA_ARGS.split(/\s+/).filter(Boolean));
  // Through the environment, not --chromium: that flag is refused without --kiosk, and the same
  // file serves `guardpost --browser` too.
  const env = {};
  if (c.CHROMIUM) env.CHROMIUM_PATH = c.CHROMIUM;
  if (c.DISPLAY) env.DISPLAY = c.DISPLAY;
  if (c.XAUTHORITY) env.XAUTHORITY = c.XAUTHORITY;
  return { flags, env };
}

const conf = process.env.GUARDPOST_CONF;
if (conf) {
  try {
    const { flags, env } = fromConf(conf);
    Object.assign(process.env, env);
    process.argv.splice(2, 0, ...flags);
  } catch (err) {
    if (!(err instanceof ConfError)) throw err;
    console.error(`guardpost: ${err.message}`);
    // 2, like a bad flag: the service does not restart on it (RestartPreventExitStatus=2).
    process.exit(2);
  }
}
await import('./dist/node/start.js');
