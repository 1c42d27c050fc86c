// Types of scripts/heapsnapshot.mjs for the TypeScript that imports it (bench:soak).
export function summariseSnapshot(text: string): {
  byKey: Map<string, { count: number; size: number }>;
  total: number;
  parts: { objects: number; code: number; native: number };
};
