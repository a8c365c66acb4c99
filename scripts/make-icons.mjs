#!/usr/bin/env node
/**
 * Writes the PWA icons (public/icons/*.png) from the shapes of public/favicon.svg, with no
 * dependencies: each pixel is 4×4 supersampled against the shapes, then written as an RGBA PNG
 * (zlib from Node). Run `node scripts/make-icons.mjs` after changing the design; the PNGs are
 * committed.
 *
 *   icon-192.png, icon-512.png   rounded blue square (purpose "any")
 *   maskable-512.png             full-bleed blue, the figure inside the central 70 % (the safe zone
 *                                of a maskable icon is the circle of radius 40 %)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../public/icons/', import.meta.url));

const BLUE = [0x3b, 0x6c, 0xf6];
const WHITE = [0xff, 0xff, 0xff];
const YELLOW = [0xff, 0xd5, 0x4f];

/** Shapes in the favicon's 64×64 space, topmost last. */
const inRoundRect = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), 64 - r);
  const cy = Math.min(Math.max(y, r), 64 - r);
  return x >= 0 && y >= 0 && x <= 64 && y <= 64 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inHead = (x, y) => (x - 32) ** 2 + (y - 26) ** 2 <= 11 * 11;
// Shoulders: the upper half of an ellipse centred at (32, 54), 19 wide and 17 high.
const inBody = (x, y) => y <= 54 && ((x - 32) / 19) ** 2 + ((y - 54) / 17) ** 2 <= 1;
// The play triangle (44,8) (56,15) (44,22).
const inPlay = (x, y) => x >= 44 && y >= 8 + (x - 44) * (7 / 12) && y <= 22 - (x - 44) * (7 / 12);

function colorAt(x, y, maskable) {
  if (maskable) {
    // Figure scaled to 70 % around the centre, background everywhere.
    const fx = (x - 32) / 0.7 + 32;
    const fy = (y - 32) / 0.7 + 32;
    if (inPlay(fx, fy)) return [...YELLOW, 255];
    if (inHead(fx, fy) || inBody(fx, fy)) return [...WHITE, 255];
    return [...BLUE, 255];
  }
  if (!inRoundRect(x, y, 14)) return [0, 0, 0, 0];
  if (inPlay(x, y)) return [...YELLOW, 255];
  if (inHead(x, y) || inBody(x, y)) return [...WHITE, 255];
  return [...BLUE, 255];
}

function render(size, maskable) {
  const rgba = new Uint8Array(size * size * 4);
  const ss = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = colorAt(((px + (sx + 0.5) / ss) * 64) / size, ((py + (sy + 0.5) / ss) * 64) / size, maskable);
          // Premultiplied accumulation, so transparent samples do not darken the edge.
          for (let k = 0; k < 3; k++) acc[k] += c[k] * c[3];
          acc[3] += c[3];
        }
      }
      const o = (py * size + px) * 4;
      const a = acc[3] / (ss * ss);
      for (let k = 0; k < 3; k++) rgba[o + k] = acc[3] ? Math.round(acc[k] / acc[3]) : 0;
      rgba[o + 3] = Math.round(a);
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

mkdirSync(out, { recursive: true });
for (const [name, size, maskable] of [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['maskable-512.png', 512, true]]) {
  const bytes = png(size, render(size, maskable));
  writeFileSync(`${out}${name}`, bytes);
  console.log(`${name}: ${size}x${size}, ${bytes.length} bytes`);
}
