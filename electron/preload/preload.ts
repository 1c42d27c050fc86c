// The preload: exposes only `invoke` and `on`, for the contract's channels and no others.
// Sandboxed preloads may require only 'electron'; this file is bundled with no other import.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_NAME, eventChannels, requestChannels } from '../../shared/channels.js';

const requests: readonly string[] = requestChannels;
const events: readonly string[] = eventChannels;

contextBridge.exposeInMainWorld(BRIDGE_NAME, {
  invoke(channel: string, args: unknown): Promise<unknown> {
    if (!requests.includes(channel)) return Promise.reject(new Error(`unknown channel ${channel}`));
    return ipcRenderer.invoke(channel, args);
  },
  on(channel: string, listener: (payload: unknown) => void): () => void {
    if (!events.includes(channel)) throw new Error(`unknown event ${channel}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.off(channel, wrapped);
  },
});
