// Registers every request of the contract on ipcMain through one wrapper that checks the sender
// is our own UI and validates the argument before the core sees it.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ContractError, parseRequest, requests, type RequestName } from '../../shared/contract.js';
import { isAppUrl } from './security.js';

export type Forward = (channel: RequestName, args: unknown) => Promise<unknown>;

export function checkSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): void {
  const url = event.senderFrame?.url ?? '';
  if (!isAppUrl(url)) throw new ContractError(`IPC from an untrusted frame (${url || 'unknown'}) refused`);
}

export function registerHandlers(ipcMain: Pick<IpcMain, 'handle'>, forward: Forward): RequestName[] {
  const names = Object.keys(requests) as RequestName[];
  for (const channel of names) {
    ipcMain.handle(channel, async (event, args: unknown) => {
      checkSender(event);
      const req = parseRequest(channel, args);
      return forward(req.channel, req.args);
    });
  }
  return names;
}
