// The core as a child process (Electron utility process): requests in, results and events out,
// over the parent port, so a slow query or a sync burst never blocks the Electron main thread.
import { z } from 'zod';
import { eventNames } from '../../shared/contract.js';
import { displayConfigSchema } from '../../shared/display.js';
import { roles, WALL_VIEWER, type Viewer } from '../../shared/privacy.js';
import { scrub } from './log.js';
import { dispatch } from './dispatch.js';
import { createCore } from './core.js';

type ParentPort = { on(event: 'message', fn: (e: { data: unknown }) => void): void; postMessage(message: unknown): void };

const startMessage = z.object({
  type: z.literal('start'),
  dataDir: z.string(),
  central: z.object({ url: z.string().url(), token: z.string().min(1), scope: z.string().optional() }),
  display: displayConfigSchema.optional(),
  /** The role the shell's window has (shared/privacy.ts); the wall view unless configured. */
  viewer: z.object({ role: z.enum(roles), name: z.string().min(1).max(200) }).strict().optional(),
});
const invokeMessage = z.object({ type: z.literal('invoke'), id: z.number(), channel: z.string(), args: z.unknown() });

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('core process: no parentPort (start it with utilityProcess.fork)');

let core: ReturnType<typeof createCore> | null = null;
let viewer: Viewer = WALL_VIEWER;
port.on('message', ({ data }) => {
  const start = startMessage.safeParse(data);
  if (start.success && !core) {
    const { dataDir, central, display } = start.data;
    viewer = start.data.viewer ?? WALL_VIEWER;
    core = createCore({
      dataDir,
      central: { url: central.url, token: central.token, ...(central.scope ? { scope: central.scope } : {}) },
      // To the shell's rotating log, scrubbed here too: the token never leaves this process.
      log: (m) => port.postMessage({ type: 'log', message: scrub(m, [central.token]) }),
      ...(display ? { display } : {}),
    });
    for (const channel of eventNames) core.on(channel, (payload) => port.postMessage({ type: 'event', channel, payload }));
    core.start();
    return;
  }
  const invoke = invokeMessage.safeParse(data);
  if (invoke.success && core) {
    const { id, channel, args } = invoke.data;
    const c = core;
    void dispatch(c.handlers, channel, args, { viewer, recordView: (leadId, v) => c.recordView(leadId, v) }).then((r) => port.postMessage({ type: 'result', id, ...r }));
  }
});
