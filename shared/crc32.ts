// CRC-32 (IEEE 802.3, the zlib polynomial), in plain TypeScript so that the centre, the core and
// the tests compute checkpoint sums with one definition and no runtime-specific import.
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of a string's UTF-8 bytes (encoded inline: shared/ has no TextEncoder in its lib). */
export function crc32(text: string): number {
  let c = 0xffffffff;
  const byte = (b: number) => {
    c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  };
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) byte(cp);
    else if (cp < 0x800) {
      byte(0xc0 | (cp >> 6));
      byte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      byte(0xe0 | (cp >> 12));
      byte(0x80 | ((cp >> 6) & 0x3f));
      byte(0x80 | (cp & 0x3f));
    } else {
      byte(0xf0 | (cp >> 18));
      byte(0x80 | ((cp >> 12) & 0x3f));
      byte(0x80 | ((cp >> 6) & 0x3f));
      byte(0x80 | (cp & 0x3f));
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The checkpoint term of one record version: crc32(`id:v`). */
export function recordCrc(id: string, v: number): number {
  return crc32(`${id}:${v}`);
}

/** Adds or removes one record's term from a running sum, modulo 2^32. */
export function addCrc(sum: number, term: number, sign: 1 | -1 = 1): number {
  return (sum + sign * term + 0x100000000) % 0x100000000;
}
