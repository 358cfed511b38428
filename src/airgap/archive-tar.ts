/**
 * The archive's tar format, written and read as streams.
 *
 * Writing: POSIX ustar, every header a pure function of the name, kind and size (mode 0644/0755,
 * uid/gid 0, no owner names, mtime 0), so the same layout gives the same bytes anywhere. Sizes
 * past ustar's 11 octal digits (8 GiB) use the base-256 size field that GNU tar, Go's
 * archive/tar (containerd, k3s) and libarchive read.
 *
 * Reading is strict and streaming (the archive may be many GB; src/bundle's reader holds its
 * archive in memory): only regular files and directories at the paths an OCI layout has
 * (`oci-layout`, `index.json`, `blobs/`, `blobs/sha256/`, `blobs/sha256/<64 hex>`) are accepted;
 * links, devices, extension headers, any other path (so no traversal), a repeated path, a bad
 * header checksum or a truncated entry are refused before anything else happens.
 */
import { open, type FileHandle } from "node:fs/promises";
import { headerChecksum, MAX_OCTAL_11, sealHeader, TAR_BLOCK, writeBase256, writeOctal } from "../bundle/tar-header.js";

export const BLOCK = TAR_BLOCK;
const encoder = new TextEncoder();

export class ArchiveFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveFormatError";
  }
}

/** The header block of a file (`0`) or directory (`5`) entry. */
export function tarHeader(name: string, kind: "file" | "directory", size: number): Uint8Array {
  const header = new Uint8Array(BLOCK);
  const nameBytes = encoder.encode(name);
  if (nameBytes.byteLength > 100) throw new Error(`tar name "${name}" is longer than 100 bytes`);
  header.set(nameBytes, 0);
  writeOctal(header, 100, 8, kind === "directory" ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  if (size <= MAX_OCTAL_11) writeOctal(header, 124, 12, size);
  else writeBase256(header, 124, 12, size);
  writeOctal(header, 136, 12, 0);
  header[156] = (kind === "directory" ? "5" : "0").charCodeAt(0);
  header.set(encoder.encode("ustar\0"), 257);
  header.set(encoder.encode("00"), 263);
  return sealHeader(header);
}

/** Zero bytes that pad an entry of `size` bytes to a whole block. */
export function padding(size: number): Uint8Array {
  const rest = size % BLOCK;
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);

/** One file entry found in an archive: where its bytes are. */
export interface ArchiveFileEntry {
  readonly path: string;
  /** Offset of the first data byte in the archive file. */
  readonly offset: number;
  readonly size: number;
}

const BLOB_PATH = /^blobs\/sha256\/[0-9a-f]{64}$/;
const FILE_PATHS = new Set(["oci-layout", "index.json"]);
const DIRECTORY_PATHS = new Set(["blobs/", "blobs/sha256/", "blobs", "blobs/sha256"]);

/**
 * Reads every header of the archive at `path` (data is skipped, not read) and returns its file
 * entries. `what` names the archive in messages.
 */
export async function listArchive(path: string, what = path): Promise<{ entries: Map<string, ArchiveFileEntry>; size: number }> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const entries = new Map<string, ArchiveFileEntry>();
    const header = new Uint8Array(BLOCK);
    let offset = 0;
    for (;;) {
      if (offset + BLOCK > size) throw new ArchiveFormatError(`${what} is truncated at byte ${offset}: it ends without the end-of-archive blocks`);
      await readExactly(handle, header, offset);
      if (header.every((byte) => byte === 0)) break;
      const entry = parseHeader(header, offset, what);
      const dataStart = offset + BLOCK;
      if (entry.kind === "directory") {
        if (!DIRECTORY_PATHS.has(entry.path)) throw new ArchiveFormatError(`${what}: unexpected directory "${entry.path}" at byte ${offset}; an archive holds only an OCI image layout`);
        offset = dataStart;
        continue;
      }
      if (!FILE_PATHS.has(entry.path) && !BLOB_PATH.test(entry.path)) {
        throw new ArchiveFormatError(`${what}: unexpected entry "${entry.path}" at byte ${offset}; an archive holds only oci-layout, index.json and blobs/sha256/<digest>`);
      }
      if (entries.has(entry.path)) throw new ArchiveFormatError(`${what}: "${entry.path}" appears twice (again at byte ${offset}); refusing an ambiguous archive`);
      if (dataStart + entry.size > size) throw new ArchiveFormatError(`${what}: "${entry.path}" declares ${entry.size} bytes but the archive ends after ${size - dataStart}; it is truncated`);
      entries.set(entry.path, { path: entry.path, offset: dataStart, size: entry.size });
      offset = dataStart + entry.size + padding(entry.size).byteLength;
    }
    return { entries, size };
  } finally {
    await handle.close();
  }
}

async function readExactly(handle: FileHandle, buffer: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.byteLength) {
    const { bytesRead } = await handle.read(buffer, done, buffer.byteLength - done, position + done);
    if (bytesRead === 0) throw new ArchiveFormatError(`unexpected end of archive at byte ${position + done}`);
    done += bytesRead;
  }
}

function parseHeader(header: Uint8Array, offset: number, what: string): { path: string; kind: "file" | "directory"; size: number } {
  const recorded = parseOctal(header.subarray(148, 156));
  if (recorded !== headerChecksum(header)) throw new ArchiveFormatError(`${what}: the tar header at byte ${offset} has a bad checksum`);
  const typeflag = String.fromCharCode(header[156]!);
  const name = text(header.subarray(0, 100));
  const prefix = text(header.subarray(345, 500));
  const path = prefix ? `${prefix}/${name}` : name;
  if (typeflag === "5") return { path, kind: "directory", size: 0 };
  if (typeflag !== "0" && typeflag !== "\0") {
    const kinds: Record<string, string> = { "1": "a hard link", "2": "a symbolic link", "3": "a character device", "4": "a block device", "6": "a FIFO", x: "a PAX extension header", g: "a PAX global header", L: "a GNU long name", K: "a GNU long link name" };
    throw new ArchiveFormatError(`${what}: entry "${path}" at byte ${offset} is ${kinds[typeflag] ?? `of tar type ${JSON.stringify(typeflag)}`}; an archive holds only regular files`);
  }
  const sizeField = header.subarray(124, 136);
  const size = (sizeField[0]! & 0x80) !== 0 ? parseBase256(sizeField, offset, what) : parseOctal(sizeField);
  if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveFormatError(`${what}: the tar header at byte ${offset} has an invalid size`);
  return { path, kind: "file", size };
}

function text(field: Uint8Array): string {
  const end = field.indexOf(0);
  return new TextDecoder("utf-8", { fatal: true }).decode(end < 0 ? field : field.subarray(0, end));
}

function parseOctal(field: Uint8Array): number {
  const value = text(field).trim();
  if (!/^[0-7]*$/.test(value)) return Number.NaN;
  return value === "" ? 0 : parseInt(value, 8);
}

function parseBase256(field: Uint8Array, offset: number, what: string): number {
  let value = BigInt(field[0]! & 0x7f);
  for (let i = 1; i < field.byteLength; i++) value = (value << 8n) | BigInt(field[i]!);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveFormatError(`${what}: the tar header at byte ${offset} declares an impossible size`);
  return Number(value);
}
