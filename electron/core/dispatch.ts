// One request through the contract: validate, check the role may make it, dispatch, give the
// role its view of the result, and turn failures into messages. Shared by every transport
// (browser host WebSocket, Electron core process), so no transport can skip the role's view.
import { ContractError, parseRequest, type Handlers, type RequestName } from '../../shared/contract.js';
import { mayCall, seesWhole, viewFor, WALL_VIEWER, type Viewer } from '../../shared/privacy.js';

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: string };

export type DispatchContext = {
  /** Who asks; the wall view when not said. */
  viewer?: Viewer;
  /** Records an unmasked view of a lead; without it no unmasked view is given. */
  recordView?: (leadId: string, viewer: Viewer) => void;
};

export async function dispatch(handlers: Handlers, channel: unknown, args: unknown, ctx: DispatchContext = {}): Promise<DispatchResult> {
  const viewer = ctx.viewer ?? WALL_VIEWER;
  try {
    const req = parseRequest<RequestName>(channel, args);
    if (!mayCall(viewer.role, req.channel)) throw new ContractError(`${req.channel}: not for the ${viewer.role} role`);
    // Who asks is known here, not to the handlers: the page learns its own role from it.
    if (req.channel === 'viewer:get') return { ok: true, value: { role: viewer.role } };
    const handler = handlers[req.channel as Exclude<RequestName, 'viewer:get'>] as (a: unknown) => unknown;
    const value = await handler(req.args);
    if (seesWhole(viewer.role, req.channel) && value !== null) {
      // The view is on record before it is shown; if it cannot be recorded it is not shown.
      if (!ctx.recordView) throw new ContractError(`${req.channel}: unmasked views are recorded, and this transport records none`);
      ctx.recordView((req.args as { leadId: string }).leadId, viewer);
    }
    return { ok: true, value: viewFor(viewer.role, req.channel, value) };
  } catch (err) {
    return { ok: false, error: err instanceof ContractError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}` };
  }
}
