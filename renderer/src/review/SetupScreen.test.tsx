// The first-run screen the Electron shell opens when its configuration is refused: it shows the
// shell's own message (file, key, reason) as text, in the display's language.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SetupScreen } from './SetupScreen.js';

describe('the first-run screen', () => {
  it('shows a refused configuration with its file, key and reason, inert', () => {
    const error = '/home/wall/.config/Guardpost/config.json: profiles.0.colour: unknown key <script>alert(1)</script>';
    const params = new URLSearchParams(`why=bad-config&error=${encodeURIComponent(error)}&dir=${encodeURIComponent('/home/wall/.config/Guardpost')}`);
    const host = document.createElement('div');
    host.innerHTML = renderToStaticMarkup(<SetupScreen params={params} />);
    expect(host.querySelector('[data-screen="setup"]')!.getAttribute('data-why')).toBe('bad-config');
    expect(host.querySelector('[data-setup-error]')!.textContent).toBe(error);
    expect(host.querySelector('script')).toBeNull();
    expect(host.textContent).toContain('配置有误');
  });
});
