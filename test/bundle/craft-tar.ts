/**
 * Hand-made tar bytes for tests, independent of src/bundle/tar-writer.ts, so malformed and
 * malicious archives can be expressed and the writer's output can be checked field by field.
 */

import { concatBytes } from "../../src/bytes.js";

const encoder = new TextEncoder();

export interface RawEntry {
  /** Goes into the 100-byte name field as raw bytes (may be longer only when `prefix` is used). */
  readonly name: string | Uint8Array;
  readonly prefix?: string;
  readonly typeflag?: string;
  readonly mode?: number;
  readonly size?: number;
  readonly linkname?: string;
  readonly data?: Uint8Array | string;
  readonly magic?: "ustar" | "gnu" | "none";
  /** Overrides the computed checksum to corrupt the header. */
  readonly checksum?: number;
  readonly uid?: number;
  readonly uname?: string;
}

function octal(target: Uint8Array, offset: number, length: number, value: number): void {
  target.set(encoder.encode(value.toString(8).padStart(length - 1, "0")), offset);
  target[offset + length - 1] = 0;
}

/** One header block plus its data padded to 512 bytes. */
export function rawEntry(entry: RawEntry): Uint8Array {
  const data = typeof entry.data === "string" ? encoder.encode(entry.data) : (entry.data ?? new Uint8Array(0));
  const size = entry.size ?? data.byteLength;
  const header = new Uint8Array(512);
  header.set(typeof entry.name === "string" ? encoder.encode(entry.name) : entry.name, 0);
  octal(header, 100, 8, entry.mode ?? 0o644);
  octal(header, 108, 8, entry.uid ?? 0);
  octal(header, 116, 8, 0);
  octal(header, 124, 12, size);
  octal(header, 136, 12, 0);
  header[156] = (entry.typeflag ?? "0").charCodeAt(0);
  if (entry.linkname !== undefined) header.set(encoder.encode(entry.linkname), 157);
  const magic = entry.magic ?? "ustar";
  if (magic === "ustar") header.set(encoder.encode("ustar\x0000"), 257);
  if (magic === "gnu") header.set(encoder.encode("ustar  \x00"), 257);
  if (entry.uname !== undefined) header.set(encoder.encode(entry.uname), 265);
  if (entry.prefix !== undefined) header.set(encoder.encode(entry.prefix), 345);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  octal(header, 148, 7, entry.checksum ?? sum);
  header[155] = 0x20;
  const padded = new Uint8Array(512 + Math.ceil(data.byteLength / 512) * 512);
  padded.set(header, 0);
  padded.set(data, 512);
  return padded;
}

/** A PAX `x` (or `g`) header entry carrying the given records. */
export function paxEntry(records: Record<string, string>, typeflag: "x" | "g" = "x"): Uint8Array {
  let body = "";
  for (const [key, value] of Object.entries(records)) {
    const rest = encoder.encode(` ${key}=${value}\n`).byteLength;
    let digits = 1;
    while (String(rest + digits).length !== digits) digits++;
    body += `${rest + digits} ${key}=${value}\n`;
  }
  return rawEntry({ name: "PaxHeader", typeflag, data: body });
}

/** Entries followed by the two zero blocks. */
export function rawTar(...entries: Uint8Array[]): Uint8Array {
  return concatBytes([...entries, new Uint8Array(1024)]);
}

export interface RawHeaderFields {
  readonly name: string;
  readonly prefix: string;
  readonly mode: string;
  readonly uid: string;
  readonly gid: string;
  readonly size: number;
  readonly mtime: string;
  readonly typeflag: string;
  readonly magic: string;
  readonly uname: Uint8Array;
  readonly gname: Uint8Array;
  readonly checksumValid: boolean;
  readonly offset: number;
}

/** Walks the headers of a well-formed archive, reporting raw field text; no PAX interpretation. */
export function rawHeaders(tar: Uint8Array): RawHeaderFields[] {
  const decoder = new TextDecoder();
  const text = (block: Uint8Array, start: number, length: number): string => decoder.decode(block.subarray(start, start + length));
  const cString = (block: Uint8Array, start: number, length: number): string => text(block, start, length).replace(/\0.*$/s, "");
  const out: RawHeaderFields[] = [];
  let offset = 0;
  while (offset + 512 <= tar.byteLength) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((byte) => byte === 0)) break;
    let sum = 0;
    for (let index = 0; index < 512; index++) sum += index >= 148 && index < 156 ? 0x20 : (block[index] ?? 0);
    const size = Number.parseInt(cString(block, 124, 12), 8);
    out.push({
      name: cString(block, 0, 100),
      prefix: cString(block, 345, 155),
      mode: text(block, 100, 8),
      uid: text(block, 108, 8),
      gid: text(block, 116, 8),
      size,
      mtime: text(block, 136, 12),
      typeflag: text(block, 156, 1),
      magic: text(block, 257, 8),
      uname: block.slice(265, 297),
      gname: block.slice(297, 329),
      checksumValid: Number.parseInt(cString(block, 148, 8).trim(), 8) === sum && block[155] === 0x20 && block[154] === 0,
      offset,
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
