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
    }
    // The map re-renders every second (countdowns): its outlines are built here, once.
    const shapes = geo.features.map((f, i) => ({ key: f.properties.geoKey ?? f.properties.name ?? String(i), outline: f.properties.geoKey === 'outline', d: polygons(f.geometry).map(path).join('') }));
    return { project, shapes, anchors, w: 1000, h: (maxY - minY) * scale };
  }, [geo]);
  return { geo, frame };
}
