// One request through the contract: validate, dispatch, and turn failures into messages.
// Shared by every transport (browser host WebSocket, Electron core process).
import { ContractError, parseRequest, type Handlers, type RequestName } from '../../shared/contract.js';

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: string };

export async function dispatch(handlers: Handlers, channel: unknown, args: unknown): Promise<DispatchResult> {
  try {
    const req = parseRequest<RequestName>(channel, args);
    const handler = handlers[req.channel] as (a: unknown) => unknown;
    return { ok: true, value: await handler(req.args) };
  } catch (err) {
    return { ok: false, error: err instanceof ContractError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

