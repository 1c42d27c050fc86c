// The contract's channel names alone, with no runtime dependency, for the Electron preload
// (which must stay tiny) to allow-list what the renderer may call and hear.
export const requestChannels = [
  'countdowns:list',
  'countdowns:wall',
  'kpi:strip',
  'kpi:get',
  'ranking:get',
  'trends:get',
  'map:features',
  'lead:timeline',
  'units:list',
  'review:leads',
  'review:state',
  'review:plan',
  'stops:list',
  'review:export',
  'replay:leads',
  'notes:list',
  'notes:add',
  'review:add',
  'events:recent',
  'display:config',
  'sync:status',
  'health:get',
  'clock:now',
  'audit:list',
  'handling:summary',
  'viewer:get',
] as const;
export const eventChannels = ['db:changed', 'sync:status'] as const;
export type RequestChannel = (typeof requestChannels)[number];
export type EventChannel = (typeof eventChannels)[number];
/** The name the preload exposes on window; the renderer's IPC transport looks for it. */
export const BRIDGE_NAME = 'guardpost';
