// node scripts/heapdiff.mjs before.heapsnapshot after.heapsnapshot [top]
// Compares two V8 heap snapshots (Chromium DevTools or Node) by what each kind of object holds:
// count and self size per (node type, constructor or name), largest growth first, and the growth
// of the page's objects, compiled code and native objects apart (scripts/heapsnapshot.mjs). Used to find
// what a soak's heap growth is made of (bench:soak with SOAK_SNAPSHOTS=dir writes the snapshots).
import { readFileSync } from 'node:fs';
import { summariseSnapshot } from './heapsnapshot.mjs';

const summarise = (file) => summariseSnapshot(readFileSync(file, 'utf8'));

const [a, b, topArg] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/heapdiff.mjs before.heapsnapshot after.heapsnapshot [top]');
  process.exit(2);
}
const before = summarise(a);
const after = summarise(b);
const keys = new Set([...before.byKey.keys(), ...after.byKey.keys()]);
const rows = [...keys].map((k) => {
  const x = before.byKey.get(k) ?? { count: 0, size: 0 };
  const y = after.byKey.get(k) ?? { count: 0, size: 0 };
  return { key: k, dCount: y.count - x.count, dSize: y.size - x.size, count: y.count, size: y.size };
});
rows.sort((p, q) => q.dSize - p.dSize);
const top = Number(topArg ?? 30);
console.log(`total self size: ${(before.total / 1048576).toFixed(2)} MB → ${(after.total / 1048576).toFixed(2)} MB (${(((after.total - before.total) / before.total) * 100).toFixed(1)} %)`);
const mb = (n) => (n / 1048576).toFixed(2);
for (const part of ['objects', 'code', 'native']) console.log(`${part}: ${mb(before.parts[part])} MB → ${mb(after.parts[part])} MB`);
console.log('Δ bytes\tΔ count\tcount\tkind');
for (const r of rows.slice(0, top)) console.log(`${r.dSize}\t${r.dCount}\t${r.count}\t${r.key}`);
console.log('… shrank most:');
for (const r of rows.slice(-8)) console.log(`${r.dSize}\t${r.dCount}\t${r.count}\t${r.key}`);
