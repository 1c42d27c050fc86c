// Builds resources/geo/shenzhen.geojson: Shenzhen's city outline (from the china-geojson package,
// MIT) divided into the ten districts approximately, as the union of Voronoi cells around
// known points of each district (town and subdistrict seats), clipped to the outline. The
// result is schematic, not survey-grade: resources/geo/README.md says so, and any city's own
// GeoJSON can be configured instead. Run: node scripts/make-geo.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Delaunay } from 'd3-delaunay';
import polygonClipping from 'polygon-clipping';

const require = createRequire(import.meta.url);
const gd = JSON.parse(readFileSync(require.resolve('china-geojson/src/geojson/guang_dong_geo.json'), 'utf8'));
const city = gd.features.find((f) => f.properties.name === '深圳市');
const outline = city.geometry.coordinates; // Polygon

// [geoKey, 中文, English, seed points [lng, lat]]
const districts = [
  ['futian', '福田区', 'Futian', [[114.055, 22.541], [114.03, 22.56], [114.08, 22.53], [114.0, 22.545], [114.06, 22.575]]],
  ['luohu', '罗湖区', 'Luohu', [[114.12, 22.548], [114.14, 22.575], [114.11, 22.585], [114.17, 22.58], [114.155, 22.6]]],
  ['nanshan', '南山区', 'Nanshan', [[113.93, 22.53], [113.92, 22.49], [113.95, 22.585], [113.98, 22.555], [113.89, 22.555], [113.97, 22.52]]],
  ['yantian', '盐田区', 'Yantian', [[114.237, 22.557], [114.27, 22.585], [114.21, 22.575], [114.3, 22.6], [114.25, 22.605]]],
  ['baoan', '宝安区', "Bao'an", [[113.88, 22.565], [113.83, 22.64], [113.81, 22.72], [113.84, 22.78], [113.9, 22.62], [113.92, 22.67], [113.86, 22.69]]],
  ['longgang', '龙岗区', 'Longgang', [[114.25, 22.72], [114.12, 22.615], [114.18, 22.65], [114.3, 22.76], [114.22, 22.78], [114.08, 22.635], [114.28, 22.69], [114.2, 22.6]]],
  ['longhua', '龙华区', 'Longhua', [[114.04, 22.69], [114.035, 22.64], [114.06, 22.74], [114.0, 22.705], [114.08, 22.7]]],
  ['pingshan', '坪山区', 'Pingshan', [[114.35, 22.7], [114.38, 22.67], [114.385, 22.735], [114.33, 22.73], [114.41, 22.7]]],
  ['guangming', '光明区', 'Guangming', [[113.935, 22.76], [113.9, 22.79], [113.96, 22.73], [113.97, 22.78]]],
  ['dapeng', '大鹏新区', 'Dapeng', [[114.48, 22.59], [114.52, 22.55], [114.44, 22.63], [114.5, 22.5], [114.55, 22.6]]],
];

const seeds = districts.flatMap(([key], i) => districts[i][3].map((p) => ({ key, p })));
const [minX, minY, maxX, maxY] = [113.6, 22.35, 114.75, 22.95];
const voronoi = Delaunay.from(seeds.map((s) => s.p)).voronoi([minX, minY, maxX, maxY]);
const round = (ring) => ring.map(([x, y]) => [Math.round(x * 1e5) / 1e5, Math.round(y * 1e5) / 1e5]);

const features = districts.map(([key, name, nameEn]) => {
  const cells = seeds.map((s, i) => (s.key === key ? [voronoi.cellPolygon(i)] : null)).filter(Boolean);
  const union = polygonClipping.union(...cells);
  const clipped = polygonClipping.intersection(union, [outline[0]]);
  return {
    type: 'Feature',
    properties: { geoKey: key, name, nameEn, approximate: true },
    geometry: { type: 'MultiPolygon', coordinates: clipped.map((poly) => poly.map(round)) },
  };
});
features.push({ type: 'Feature', properties: { geoKey: 'outline', name: '深圳市', nameEn: 'Shenzhen' }, geometry: { type: 'Polygon', coordinates: outline.map(round) } });

writeFileSync(
  'resources/geo/shenzhen.geojson',
  JSON.stringify({
    type: 'FeatureCollection',
    properties: {
      source: 'city outline: china-geojson 1.0.0 (antvis, MIT); district areas: Voronoi cells of district seats clipped to it, made by scripts/make-geo.mjs',
      approximate: true,
    },
    features,
  }) + '\n',
);
console.log(`wrote resources/geo/shenzhen.geojson (${features.length} features)`);
