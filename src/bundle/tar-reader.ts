/**
 * Strict tar parser for archives that arrive over the network.
 *
 * It understands POSIX ustar, PAX `x` headers (`path`, `linkpath`, `size`), PAX `g` headers
 * (only harmless keys) and GNU `L`/`K` long names, and verifies every header checksum.
 * It reports every entry as recorded, links and devices included: deciding what is safe to
 * materialize is the extractor's job. Anything it cannot parse unambiguously is an error,
 * because a parser that guesses differently from the consumer (Flux, written in Go) is
 * how malicious archives slip through.
 */

export type TarEntryKind =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "character-device"
  | "block-device"
  | "fifo"
  | "unsupported";

export interface TarReadEntry {
  /** The name as recorded (PAX path, GNU long name, or ustar prefix + name), not normalized. */
  readonly path: string;
  readonly kind: TarEntryKind;
  /** The raw typeflag character (`"\0"` for old-style regular files). */
  readonly typeflag: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  readonly mtime: number;
  /** Size declared by the header (or PAX); `data` is empty for header-only kinds. */
  readonly size: number;
  readonly linkName: string;
  readonly data: Uint8Array;
  /** Byte offset of the entry's own header, for messages. */
  readonly offset: number;
}

export interface ReadTarOptions {
  /** Refuse archives with more entries than this (extension headers not counted). */
  readonly maxEntries?: number;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

const BLOCK_SIZE = 512;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Kinds whose header's size never announces data, as in Go's archive/tar (Flux's reader). */
const HEADER_ONLY = new Set<TarEntryKind>(["directory", "symlink", "hardlink", "character-device", "block-device", "fifo"]);

interface PendingExtension {
  path?: string;
  linkName?: string;
  size?: number;
}

export function readTar(archive: Uint8Array, options: ReadTarOptions = {}): TarReadEntry[] {
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  const entries: TarReadEntry[] = [];
  let pending: PendingExtension = {};
  let pendingStart: number | undefined;
  let offset = 0;

  for (;;) {
    if (offset + BLOCK_SIZE > archive.byteLength) {
      throw new TarFormatError(`tar archive is truncated at byte ${offset}: it ends without the end-of-archive zero blocks`);
    }
    const header = archive.subarray(offset, offset + BLOCK_SIZE);
    if (isZeroBlock(header)) {
      if (pendingStart !== undefined) {
        throw new TarFormatError(`tar extension header at byte ${pendingStart} is not followed by an entry`);
      }
      return entries;
    }
    verifyChecksum(header, offset);
    const magic = readMagic(header, offset);
    const typeflag = String.fromCharCode(header[156] ?? 0);
    const isExtension = typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K";
    const kind = kindOf(typeflag);

    const declaredSize = pending.size !== undefined && !isExtension ? pending.size : parseNumber(header, 124, 12, "size", offset);
    const dataSize = !isExtension && HEADER_ONLY.has(kind) ? 0 : declaredSize;
    const dataStart = offset + BLOCK_SIZE;
    const dataEnd = dataStart + dataSize;
    if (dataEnd > archive.byteLength) {
      throw new TarFormatError(`tar entry at byte ${offset} declares ${dataSize} bytes of data but the archive ends first`);
    }
    const data = archive.subarray(dataStart, dataEnd);
    const headerOffset = offset;
    offset = dataStart + Math.ceil(dataSize / BLOCK_SIZE) * BLOCK_SIZE;

    if (isExtension) {
      pendingStart ??= headerOffset;
      if (typeflag === "x") pending = { ...pending, ...parsePax(data, headerOffset) };
      else if (typeflag === "g") assertHarmlessGlobal(parsePaxRecords(data, headerOffset), headerOffset);
      else if (typeflag === "L") pending.path = decodeName(trimTrailingNuls(data), "GNU long name", headerOffset);
      else pending.linkName = decodeName(trimTrailingNuls(data), "GNU long link name", headerOffset);
      continue;
    }

    if (entries.length >= maxEntries) throw new TarFormatError(`tar archive has more than ${maxEntries} entries; refusing it`);
    const name = fieldString(header, 0, 100, "name", headerOffset);
    // Only POSIX ustar has a prefix field; old GNU headers keep timestamps there.
    const prefix = magic === "ustar" ? fieldString(header, 345, 155, "prefix", headerOffset) : "";
    entries.push({
      path: pending.path ?? (prefix === "" ? name : `${prefix}/${name}`),
      kind,
      typeflag,
      mode: parseNumber(header, 100, 8, "mode", headerOffset),
      uid: parseNumber(header, 108, 8, "uid", headerOffset),
      gid: parseNumber(header, 116, 8, "gid", headerOffset),
      uname: fieldString(header, 265, 32, "uname", headerOffset),
      gname: fieldString(header, 297, 32, "gname", headerOffset),
      mtime: parseNumber(header, 136, 12, "mtime", headerOffset),
      size: declaredSize,
      linkName: pending.linkName ?? fieldString(header, 157, 100, "linkname", headerOffset),
      data,
      offset: headerOffset,
    });
    pending = {};
    pendingStart = undefined;
  }
}

function kindOf(typeflag: string): TarEntryKind {
  switch (typeflag) {
    case "0":
    case "\0":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "3":
      return "character-device";
    case "4":
      return "block-device";
    case "5":
      return "directory";
    case "6":
      return "fifo";
    default:
      return "unsupported";
  }
}

function isZeroBlock(block: Uint8Array): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

/** Accepts the unsigned sum required by POSIX and the signed sum some historic writers used. */
function verifyChecksum(header: Uint8Array, offset: number): void {
  const stored = parseNumber(header, 148, 8, "checksum", offset);
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < BLOCK_SIZE; index++) {
    const byte = index >= 148 && index < 156 ? 0x20 : (header[index] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(`tar header at byte ${offset} has a bad checksum (stored ${stored}, computed ${unsigned}); the archive is corrupt`);
  }
}

function readMagic(header: Uint8Array, offset: number): "ustar" | "gnu" {
  const magic = String.fromCharCode(...header.subarray(257, 265));
  if (magic.startsWith("ustar\0")) return "ustar";
  if (magic === "ustar  \0") return "gnu";
  throw new TarFormatError(`tar header at byte ${offset} is not a ustar header (magic ${JSON.stringify(magic)})`);
}

/** Octal text (NUL/space terminated, leading spaces allowed) or GNU base-256 for large values. */
function parseNumber(header: Uint8Array, start: number, length: number, field: string, offset: number): number {
  const bytes = header.subarray(start, start + length);
  const first = bytes[0] ?? 0;
  if (first & 0x80) {
    if (first & 0x40) throw new TarFormatError(`tar header at byte ${offset}: negative ${field}`);
    let value = first & 0x3f;
    for (const byte of bytes.subarray(1)) {
      value = value * 256 + byte;
      if (!Number.isSafeInteger(value)) throw new TarFormatError(`tar header at byte ${offset}: ${field} is too large`);
    }
    return value;
  }
  let text = String.fromCharCode(...bytes);
  const end = text.search(/[\0 ]*$/);
  text = text.slice(0, end).replace(/^ +/, "");
  if (!/^[0-7]*$/.test(text)) {
    throw new TarFormatError(`tar header at byte ${offset}: ${field} field ${JSON.stringify(text)} is not an octal number`);
  }
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** A NUL-terminated header field; the whole field when no NUL is present. */
function fieldString(header: Uint8Array, start: number, length: number, field: string, offset: number): string {
  const bytes = header.subarray(start, start + length);
  const nul = bytes.indexOf(0);
  return decodeName(nul === -1 ? bytes : bytes.subarray(0, nul), field, offset);
}

function decodeName(bytes: Uint8Array, field: string, offset: number): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new TarFormatError(`tar header at byte ${offset}: ${field} is not valid UTF-8`);
  }
}

/** GNU terminates long names with NUL; inner NULs are kept so the extractor can refuse them. */
function trimTrailingNuls(data: Uint8Array): Uint8Array {
  let end = data.byteLength;
  while (end > 0 && data[end - 1] === 0) end--;
  return data.subarray(0, end);
}

function parsePax(data: Uint8Array, offset: number): PendingExtension {
  const result: PendingExtension = {};
  for (const [key, value] of parsePaxRecords(data, offset)) {
    if (key === "path") result.path = value;
    else if (key === "linkpath") result.linkName = value;
    else if (key === "size") {
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
        throw new TarFormatError(`PAX header at byte ${offset}: size ${JSON.stringify(value)} is not a valid size`);
      }
      result.size = Number(value);
    } else if (key.startsWith("GNU.sparse.")) {
      throw new TarFormatError(`PAX header at byte ${offset}: GNU sparse files are not supported`);
    }
    // Timestamps, owners, comments and vendor keys do not affect what gets extracted.
  }
  return result;
}

/** Global headers may not rename, relink or resize entries: readers disagree on their scope. */
function assertHarmlessGlobal(records: readonly (readonly [string, string])[], offset: number): void {
  for (const [key] of records) {
    if (key === "path" || key === "linkpath" || key === "size" || key.startsWith("GNU.sparse.")) {
      throw new TarFormatError(`PAX global header at byte ${offset} sets "${key}"; refusing it`);
    }
  }
}

/** Records are `"<len> <key>=<value>\n"`, len counting the whole record in bytes. */
function parsePaxRecords(data: Uint8Array, offset: number): [string, string][] {
  const records: [string, string][] = [];
  let position = 0;
  while (position < data.byteLength) {
    // Writers may pad the data with NULs after the last record.
    if (data[position] === 0 && data.subarray(position).every((byte) => byte === 0)) break;
    const space = data.indexOf(0x20, position);
    const lengthText = space === -1 ? "" : String.fromCharCode(...data.subarray(position, space));
    const length = /^[1-9][0-9]*$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    const end = position + length;
    if (!Number.isSafeInteger(length) || end > data.byteLength || data[end - 1] !== 0x0a || space >= end) {
      throw new TarFormatError(`PAX header at byte ${offset} has a malformed record at position ${position}`);
    }
    const record = decodeName(data.subarray(space + 1, end - 1), "PAX record", offset);
    const equals = record.indexOf("=");
    if (equals <= 0) throw new TarFormatError(`PAX header at byte ${offset} has a record without a key`);
    records.push([record.slice(0, equals), record.slice(equals + 1)]);
    position = end;
  }
  return records;
}
