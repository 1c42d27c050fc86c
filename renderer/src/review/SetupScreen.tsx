// The Electron shell's first-run screen: what is missing and how an administrator provides it.
// It writes nothing itself; the configuration is a file, the token goes to the OS keychain.
import { useT } from '../wall/common.js';

const EXAMPLE = `{
  "central": { "url": "https://centre.example/", "scope": "SZ-FT" },
  "profiles": [{ "name": "大屏 1", "screen": 0, "route": "#/wall", "mode": "kiosk" }],
  "display": { "displayName": "福田分局指挥部", "lang": "zh-CN" },
  "startAtLogin": true
}`;

export function SetupScreen({ params }: { params: URLSearchParams }) {
  const t = useT();
  const given = params.get('why');
  const why = given === 'no-token' || given === 'bad-config' ? given : 'no-config';
  const dir = params.get('dir') ?? '';
  return (
    <div className="review setup" data-screen="setup" data-why={why}>
      <main className="review-body">
        <h1>{t('setupTitle')}</h1>
        <p>{t(why === 'no-config' ? 'setupNoConfig' : why === 'no-token' ? 'setupNoToken' : 'setupBadConfig', { dir })}</p>
        {/* The shell's own message: the file, the key and what is wrong with it. */}
        {why === 'bad-config' && <pre className="setup-example" data-setup-error>{params.get('error') ?? ''}</pre>}
        {why === 'no-config' && <pre className="setup-example">{EXAMPLE}</pre>}
        <p>{t('setupToken')}</p>
        <pre className="setup-example">guardpost --set-token &lt;TOKEN&gt;</pre>
      </main>
    </div>
  );
}
