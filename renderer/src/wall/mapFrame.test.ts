import { describe, expect, it } from 'vitest';
import { placeLabels, shadeBins, textEm, type LabelBox } from './mapFrame.js';

const overlaps = (a: LabelBox, b: LabelBox) => Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(a.y - b.y) < (a.h + b.h) / 2;

describe('map labels', () => {
  it('moves labels whose anchors are close so that none overlaps (罗湖 / 福田, 龙岗 / 坪山)', () => {
    const size = 30;
    const box = (key: string, name: string, x: number, y: number): LabelBox => ({ key, x, y, w: textEm(name) * size, h: 2.1 * size });
    const labels = [box('longgang', 'Longgang', 600, 300), box('futian', 'Futian', 420, 480), box('luohu', 'Luohu', 470, 470), box('pingshan', 'Pingshan', 660, 290), box('yantian', 'Yantian', 560, 470)];
    const at = placeLabels(labels, { x0: -20, y0: -20, x1: 1020, y1: 620 });
    const placed = labels.map((l) => ({ ...l, x: at.get(l.key)![0], y: at.get(l.key)![1] }));
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlaps(placed[i]!, placed[j]!), `${placed[i]!.key} / ${placed[j]!.key}`).toBe(false);
  });

  it('keeps a label whole inside the map instead of cutting it at the edge', () => {
    const l: LabelBox = { key: 'dapeng', x: 1010, y: 300, w: 200, h: 60 };
    const [x] = placeLabels([l], { x0: -20, y0: -20, x1: 1020, y1: 620 }).get('dapeng')!;
    expect(x + l.w / 2).toBeLessThanOrEqual(1020);
  });

  it('measures CJK wider than Latin', () => {
    expect(textEm('罗湖')).toBe(2);
    expect(textEm('Luohu')).toBeGreaterThan(2.5);
  });
});

describe('map shading bins', () => {
  it('separates branches that are all below a 98 % target into different bins', () => {
    const values = [0.91, 0.935, 0.95, 0.962, 0.975];
    const { bin, edges } = shadeBins(values, true);
    expect(new Set(values.map(bin)).size).toBeGreaterThanOrEqual(4);
    expect(bin(0.975)).toBe(4);
    expect(bin(0.91)).toBe(0);
    expect(edges[0]).toBeLessThanOrEqual(0.91);
    expect(edges[edges.length - 1]).toBeGreaterThanOrEqual(0.975);
  });

  it('puts the worst in bin 0 whichever way is better, and knows no value', () => {
    const { bin } = shadeBins([0.01, 0.05, 0.1], false);
    expect(bin(0.1)).toBe(0);
    expect(bin(0.01)).toBe(4);
    expect(bin(null)).toBeNull();
    expect(shadeBins([null], true).edges).toEqual([]);
  });
});
