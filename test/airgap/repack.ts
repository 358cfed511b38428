/** Rewrites an archive entry by entry, for hostile-archive tests: the project's own tar headers, any content. */
import { readFileSync, writeFileSync } from "node:fs";
import { listArchive, padding, tarHeader, END_OF_ARCHIVE } from "../../src/airgap/archive-tar.js";

export interface RawEntry {
  path: string;
  data: Uint8Array;
  /** A raw header to use instead of the project's (for links, traversal, hostile sizes). */
  header?: Uint8Array;
}

export async function readEntries(file: string): Promise<RawEntry[]> {
  const bytes = readFileSync(file);
  const { entries } = await listArchive(file);
  return [...entries.values()].map((entry) => ({ path: entry.path, data: new Uint8Array(bytes.subarray(entry.offset, entry.offset + entry.size)) }));
}

export function writeEntries(file: string, entries: readonly RawEntry[], options: { end?: boolean } = {}): void {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(entry.header ?? tarHeader(entry.path, "file", entry.data.byteLength), entry.data, padding(entry.data.byteLength));
  }
  if (options.end !== false) parts.push(END_OF_ARCHIVE);
  writeFileSync(file, Buffer.concat(parts));
}

/** A ustar header of any type flag and name (checksum correct), e.g. a symlink `2` or a `../` path. */
export function rawHeader(name: string, typeflag: string, size: number, linkName = ""): Uint8Array {
  const header = tarHeader("placeholder", "file", size);
  header.fill(0, 0, 100);
  header.set(new TextEncoder().encode(name), 0);
  header[156] = typeflag.charCodeAt(0);
  header.set(new TextEncoder().encode(linkName), 157);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0")), 148);
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

export const json = (entry: RawEntry): any => JSON.parse(new TextDecoder().decode(entry.data));
export const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
