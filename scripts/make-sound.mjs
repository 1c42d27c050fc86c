// Writes resources/sounds/alarm.wav: the wall's alarm, made here (two alternating tones, 1.2 s,
// 16-bit mono PCM), so its licence is the project's own. Run: node scripts/make-sound.mjs
import { writeFileSync } from 'node:fs';

const rate = 22_050;
const seconds = 1.2;
const n = Math.round(rate * seconds);
const data = Buffer.alloc(n * 2);
for (let i = 0; i < n; i++) {
  const t = i / rate;
  const f = Math.floor(t / 0.15) % 2 ? 660 : 880;
  const envelope = Math.min(1, t / 0.01, (seconds - t) / 0.05);
  data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * f * t) * 0.6 * envelope * 32767), i * 2);
}
const header = Buffer.alloc(44);
header.write('RIFF', 0);
header.writeUInt32LE(36 + data.length, 4);
header.write('WAVE', 8);
header.write('fmt ', 12);
header.writeUInt32LE(16, 16);
header.writeUInt16LE(1, 20);
header.writeUInt16LE(1, 22);
header.writeUInt32LE(rate, 24);
header.writeUInt32LE(rate * 2, 28);
header.writeUInt16LE(2, 32);
header.writeUInt16LE(16, 34);
header.write('data', 36);
header.writeUInt32LE(data.length, 40);
writeFileSync('resources/sounds/alarm.wav', Buffer.concat([header, data]));
console.log('wrote resources/sounds/alarm.wav');
