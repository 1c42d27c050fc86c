// The jurisdiction's geometry and its projection onto the map's SVG, shared by the wall's alert
// map and the review's replay.
import { useEffect, useMemo, useState } from 'react';

type Ring = [number, number][];
export type Geo = { features: { properties: { geoKey?: string; name?: string; nameEn?: string; approximate?: boolean }; geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] } }[]; properties?: { approximate?: boolean } };

export function polygons(g: Geo['features'][number]['geometry']): Ring[][] {
  return g.type === 'Polygon' ? [g.coordinates as Ring[]] : (g.coordinates as Ring[][]);
}

export function useGeo(file: string): Geo | null {
  const [geo, setGeo] = useState<Geo | null>(null);
  useEffect(() => {
    let alive = true;
    void fetch(`geo/${file}`)
      .then((r) => (r.ok ? (r.json() as Promise<Geo>) : null))
      .then((g) => alive && setGeo(g))
      .catch(() => {});
    return () => {
      alive = false;
    };
  }, [file]);
  return geo;
}

/** A feature drawn as one SVG path; `d` is projected once per geometry, not on every render. */
export type Shape = { key: string; outline: boolean; d: string };

export type MapFrame = {
  project: (lng: number, lat: number) => [number, number];
  shapes: Shape[];
  anchors: Map<string, [number, number]>;
  /** Each district's largest polygon's area (SVG units²): small districts are labelled first. */
  areas: Map<string, number>;
  w: number;
  h: number;
};

export function useMapFrame(file: string): { geo: Geo | null; frame: MapFrame | null } {
  const geo = useGeo(file);
  const frame = useMemo((): MapFrame | null => {
    if (!geo) return null;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const f of geo.features) for (const poly of polygons(f.geometry)) for (const [x, y] of poly[0]!) [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
    const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
    const scale = 1000 / ((maxX - minX) * k);
    const project = (lng: number, lat: number): [number, number] => [(lng - minX) * k * scale, (maxY - lat) * scale];
    const path = (rings: Ring[]) => rings.map((r) => 'M' + r.map(([x, y]) => project(x, y).map((v) => v.toFixed(1)).join(',')).join('L') + 'Z').join('');
    // Label anchors: the centre of each district's largest polygon (area-weighted vertex mean).
    const anchors = new Map<string, [number, number]>();
    const areas = new Map<string, number>();
    for (const f of geo.features) {
      const key = f.properties.geoKey;
      if (!key || key === 'outline') continue;
      const ring = polygons(f.geometry).map((p) => p[0]!).sort((a, b) => b.length - a.length)[0]!;
      let [ax, ay, area] = [0, 0, 0];
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = project(...ring[i]!);
        const [xj, yj] = project(...ring[j]!);
        const c = xj * yi - xi * yj;
        area += c;
        ax += (xi + xj) * c;
        ay += (yi + yj) * c;
      }
      if (area !== 0) anchors.set(key, [ax / (3 * area), ay / (3 * area)]);
      areas.set(key, Math.abs(area) / 2);
    }
    // The map re-renders every second (countdowns): its outlines are built here, once.
    const shapes = geo.features.map((f, i) => ({ key: f.properties.geoKey ?? f.properties.name ?? String(i), outline: f.properties.geoKey === 'outline', d: polygons(f.geometry).map(path).join('') }));
    return { project, shapes, anchors, areas, w: 1000, h: (maxY - minY) * scale };
  }, [geo]);
  return { geo, frame };
}

/** A label's width in em: CJK characters are a full em, others about 0.6 em (the wall's sans). */
export function textEm(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 1 : /[A-Z%]/.test(ch) ? 0.68 : 0.58;
  return w;
}

export type LabelBox = { key: string; x: number; y: number; w: number; h: number };

const overlap = (a: LabelBox, b: LabelBox) => Math.max(0, Math.min(a.x + a.w / 2, b.x + b.w / 2) - Math.max(a.x - a.w / 2, b.x - b.w / 2)) * Math.max(0, Math.min(a.y + a.h / 2, b.y + b.h / 2) - Math.max(a.y - a.h / 2, b.y - b.h / 2));

/**
 * Places labels (boxes centred on their anchors, in order of priority) so none overlaps another:
 * each takes the first of a ring of positions around its anchor, nearest first, that is clear
 * of those placed before and inside the bounds; where none is, the one that overlaps least.
 * Every box is kept inside the bounds, so no name is cut at the edge of the map.
 */
export function placeLabels(labels: readonly LabelBox[], bounds: { x0: number; y0: number; x1: number; y1: number }): Map<string, [number, number]> {
  const placed: LabelBox[] = [];
  const out = new Map<string, [number, number]>();
  const clamp = (b: LabelBox): LabelBox => ({
    ...b,
    x: Math.min(Math.max(b.x, bounds.x0 + b.w / 2), bounds.x1 - b.w / 2),
    y: Math.min(Math.max(b.y, bounds.y0 + b.h / 2), bounds.y1 - b.h / 2),
  });
  for (const l of labels) {
    const candidates: LabelBox[] = [clamp(l)];
    for (const r of [0.6, 1, 1.5, 2, 2.6, 3.3]) {
      for (let i = 0; i < 12; i++) {
        const a = (i * Math.PI) / 6;
        candidates.push(clamp({ ...l, x: l.x + Math.cos(a) * r * l.w * 0.75, y: l.y + Math.sin(a) * r * l.h }));
      }
    }
    let best = candidates[0]!;
    let bestCost = Infinity;
    for (const c of candidates) {
      const cost = placed.reduce((s, p) => s + overlap(c, p), 0);
      if (cost < bestCost) [best, bestCost] = [c, cost];
      if (cost === 0) break;
    }
    placed.push(best);
    out.set(l.key, [best.x, best.y]);
  }
  return out;
}

/**
 * Graded bins for shading branches: five equal steps between the lowest and the highest value
 * shown (rounded out to a whole step), so branches that differ are told apart even when all are
 * below target. Bin 0 is the worst, 4 the best, in the indicator's direction.
 */
export function shadeBins(values: readonly (number | null)[], higherIsBetter: boolean, n = 5): { edges: number[]; bin: (v: number | null) => number | null } {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { edges: [], bin: () => null };
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (hi - lo < 1e-9) {
    // One value: a single band around it.
    lo -= 0.005;
    hi += 0.005;
  }
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * mag).find((s) => s >= raw - 1e-12) ?? 10 * mag;
  lo = Math.floor(lo / step + 1e-9) * step;
  while (lo + n * step < hi - 1e-12) lo += step / 2;
  const edges = Array.from({ length: n + 1 }, (_, i) => Number((lo + i * step).toFixed(10)));
  const bin = (v: number | null) => {
    if (v === null) return null;
    const i = Math.min(n - 1, Math.max(0, Math.floor((v - lo) / step + 1e-9)));
    return higherIsBetter ? i : n - 1 - i;
  };
  return { edges, bin };
}
