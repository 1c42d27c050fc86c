// The renderer's one client: Electron's preload bridge when present, else the browser host's
// WebSocket. Nothing above this file knows which it has.
import { BRIDGE_NAME } from '../../../shared/channels.js';
import type { ApiClient } from '../../../shared/contract.js';
import { createWsClient, type LinkListener } from './ws.js';

export function createClient(onLink: LinkListener): ApiClient {
  const bridge = (window as unknown as Record<string, ApiClient | undefined>)[BRIDGE_NAME];
  if (bridge) {
    onLink(true);
    return bridge;
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWsClient(`${proto}//${location.host}/ws`, onLink);
}
