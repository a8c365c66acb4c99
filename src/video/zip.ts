/**
 * A minimal zip writer (method 0 = STORE, no compression) and its reader, for "PNG frames (zip)".
 * PNGs are already deflate-compressed, so storing them loses almost nothing and keeps this tiny.
 *
 * Layout (PKWARE APPNOTE 4.3): for each file a local header (30 bytes + name) and the data, then a
 * central directory entry per file (46 bytes + name), then the end record (22 bytes).
 * Example: one file "a.txt" holding "hi" -> 30+5+2 + 46+5 + 22 = 110 bytes; CRC-32("hi") = 0xd8932aac.
 * Limits: under 65,535 files and 4 GiB (no zip64); names are UTF-8 (flag bit 11).
 */

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

let table: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320), as zip and PNG use it. crc32("123456789") = 0xcbf43926. */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// 1980-01-01 00:00 in MS-DOS format: a fixed date keeps the output byte-identical run to run.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** The zip archive of `entries`, stored (not compressed), in the given order. */
export function zipStore(entries: ZipEntry[]): Uint8Array {
  if (entries.length > 0xffff) throw new Error(`A zip without zip64 holds at most 65,535 files; got ${entries.length}.`);
  const enc = new TextEncoder();
  const names = entries.map((e) => enc.encode(e.name));
  const dataBytes = entries.reduce((n, e) => n + e.data.byteLength, 0);
  const nameBytes = names.reduce((n, b) => n + b.byteLength, 0);
  const size = 30 * entries.length + 46 * entries.length + 2 * nameBytes + dataBytes + 22;
  if (size > 0xffffffff) throw new Error('The zip would be over 4 GiB; export fewer frames.');
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  let at = 0;
  const header = (sig: number, i: number, central: boolean) => {
    view.setUint32(at, sig, true);
    at += 4;
    if (central) (view.setUint16(at, 20, true), (at += 2)); // version made by: 2.0
    for (const v of [20, 0x0800, 0, DOS_TIME, DOS_DATE]) (view.setUint16(at, v, true), (at += 2)); // needed, UTF-8 flag, STORE, time, date
    for (const v of [crcs[i], entries[i].data.byteLength, entries[i].data.byteLength]) (view.setUint32(at, v, true), (at += 4));
    view.setUint16(at, names[i].byteLength, true);
    view.setUint16(at + 2, 0, true); // extra field length
    at += 4;
    if (central) {
      for (const v of [0, 0, 0]) (view.setUint16(at, v, true), (at += 2)); // comment length, disk, internal attributes
      view.setUint32(at, 0, true); // external attributes
      view.setUint32(at + 4, offsets[i], true);
      at += 8;
    }
    out.set(names[i], at);
    at += names[i].byteLength;
  };
  entries.forEach((e, i) => {
    offsets.push(at);
    header(0x04034b50, i, false);
    out.set(e.data, at);
    at += e.data.byteLength;
  });
  const centralStart = at;
  entries.forEach((_, i) => header(0x02014b50, i, true));
  const centralSize = at - centralStart;
  view.setUint32(at, 0x06054b50, true);
  for (const [k, v] of [0, 0, entries.length, entries.length].entries()) view.setUint16(at + 4 + 2 * k, v, true);
  view.setUint32(at + 12, centralSize, true);
  view.setUint32(at + 16, centralStart, true);
  view.setUint16(at + 20, 0, true); // comment length
  return out;
}

/** Reads a stored (method 0) zip through its central directory; for tests and checks. */
export function unzipStore(zip: Uint8Array): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.byteLength - 22;
  if (end < 0 || view.getUint32(end, true) !== 0x06054b50) throw new Error('Not a zip (no end record; comments are not supported).');
  const count = view.getUint16(end + 10, true);
  const dec = new TextDecoder();
  const out: ZipEntry[] = [];
  for (let i = 0, at = view.getUint32(end + 16, true); i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`Bad central directory entry ${i}.`);
    if (view.getUint16(at + 10, true) !== 0) throw new Error(`Entry ${i} is compressed; only stored entries are read.`);
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 20, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = dec.decode(zip.subarray(at + 46, at + 46 + nameLen));
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = zip.subarray(dataAt, dataAt + size);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch in ${name}.`);
    out.push({ name, data });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
