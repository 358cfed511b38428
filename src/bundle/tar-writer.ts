/**
 * Deterministic POSIX ustar writer for rendered config trees.
 *
 * The archive is a pure function of the set of paths, file bytes, the executable bit and
 * the `mtime` option: nothing about the machine (owner, umask, timestamps, readdir order,
 * time zone, checkout path) reaches the bytes. Layout decisions:
 *
 * - Every directory is written as its own entry (mode 0755), including directories that
 *   only exist implicitly as a parent of a file, so a given set of files has exactly one
 *   archive form. Flux's untar accepts archives with or without directory entries.
 * - Entries are sorted by the UTF-8 bytes of their tar name, directories carrying a
 *   trailing `/`; a directory therefore sorts directly before its contents.
 * - Files are 0644, or 0755 when the source has any execute bit; uid/gid 0 (or the `owner`
 *   option); uname/gname empty; one fixed mtime for every entry (default 0).
 * - Names that fit ustar's name (100 bytes) or prefix/name split (155 + 100) use it; only
 *   longer names get a PAX `x` header carrying `path`, itself with fixed fields.
 * - The archive ends with two zero blocks and is not padded to a 10240-byte record:
 *   its length is always a multiple of 512.
 * - For image layers (a root filesystem, not a config tree) an entry may be a symbolic link
 *   (mode 0777, its target as given, at most 100 bytes), a directory may carry another mode
 *   (e.g. /tmp's 01777) and any entry its own numeric owner. These too are part of the input.
 */
import { concatBytes } from "../bytes.js";
import { MAX_OCTAL_11, sealHeader, TAR_BLOCK, writeOctal } from "./tar-header.js";

export interface TarFileEntry {
  readonly type: "file";
  /** Relative path with `/` separators, no leading `./`, no trailing `/`. */
  readonly path: string;
  readonly data: Uint8Array;
  /** Written as 0755 instead of 0644. */
  readonly executable?: boolean;
  /** This entry's numeric owner instead of the archive's. */
  readonly owner?: Owner;
}

export interface TarDirectoryEntry {
  readonly type: "directory";
  /** Relative path with `/` separators, no leading `./`, no trailing `/`. */
  readonly path: string;
  /** Permission bits, sticky bit included (e.g. 0o1777 for /tmp). Default 0755. */
  readonly mode?: number;
  /** This entry's numeric owner instead of the archive's. */
  readonly owner?: Owner;
}

export interface TarSymlinkEntry {
  readonly type: "symlink";
  /** Relative path with `/` separators, no leading `./`, no trailing `/`. */
  readonly path: string;
  /** The link's target as the runtime resolves it (absolute or relative), at most 100 bytes. */
  readonly target: string;
  /** This entry's numeric owner instead of the archive's. */
  readonly owner?: Owner;
}

export type TarEntry = TarFileEntry | TarDirectoryEntry | TarSymlinkEntry;

export interface DeterministicTarOptions {
  /** Seconds since the epoch written as every entry's mtime, e.g. from SOURCE_DATE_EPOCH. Default 0. */
  readonly mtime?: number;
  /**
   * Numeric owner of every entry (names stay empty). A config bundle is extracted by Flux, where
   * ownership means nothing; a container image layer is unpacked as is, so its files belong to the
   * user the image runs as.
   * @default - uid 0, gid 0
   */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

const BLOCK_SIZE = TAR_BLOCK;
/** Largest value a 7-digit octal ustar field holds (uid and gid). */
const MAX_OCTAL_7 = 0o7777777;
const NAME_LENGTH = 100;
const PREFIX_LENGTH = 155;
const DIRECTORY_MODE = 0o755;
const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;
const SYMLINK_MODE = 0o777;

const encoder = new TextEncoder();

/** Builds the archive bytes; entries may come in any order and parents may be omitted. */
export function createDeterministicTar(entries: readonly TarEntry[], options: DeterministicTarOptions = {}): Uint8Array {
  const mtime = options.mtime ?? 0;
  if (!Number.isSafeInteger(mtime) || mtime < 0 || mtime > MAX_OCTAL_11) {
    throw new Error(`tar mtime ${mtime} must be a whole number of seconds between 0 and ${MAX_OCTAL_11}`);
  }
  const owner = options.owner ?? { uid: 0, gid: 0 };
  assertOwner(owner);
  const headerBlocks = (name: string, typeflag: "0" | "2" | "5", size: number, mode: number, entryOwner: Owner = owner, linkName = "") =>
    entryHeaderBlocks(name, typeflag, size, mode, mtime, entryOwner, linkName);

  const chunks: Uint8Array[] = [];
  for (const entry of canonicalEntries(entries)) {
    if (entry.owner !== undefined) assertOwner(entry.owner);
    if (entry.type === "directory") {
      const mode = entry.mode ?? DIRECTORY_MODE;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new Error(`tar entry "${entry.path}": mode ${mode} is not a permission mode (0 to 0o7777)`);
      chunks.push(...headerBlocks(`${entry.path}/`, "5", 0, mode, entry.owner));
    } else if (entry.type === "symlink") {
      const target = encoder.encode(entry.target);
      if (target.byteLength === 0 || target.byteLength > NAME_LENGTH || entry.target.includes("\0")) {
        throw new Error(`tar entry "${entry.path}": symlink target "${entry.target}" must be 1 to ${NAME_LENGTH} bytes without NUL`);
      }
      chunks.push(...headerBlocks(entry.path, "2", 0, SYMLINK_MODE, entry.owner, entry.target));
    } else {
      if (entry.data.byteLength > MAX_OCTAL_11) {
        throw new Error(`tar entry "${entry.path}" is ${entry.data.byteLength} bytes; ustar entries are limited to ${MAX_OCTAL_11} bytes`);
      }
      const mode = entry.executable ? EXECUTABLE_MODE : FILE_MODE;
      chunks.push(...headerBlocks(entry.path, "0", entry.data.byteLength, mode, entry.owner));
      chunks.push(entry.data, new Uint8Array(paddingFor(entry.data.byteLength)));
    }
  }
  chunks.push(new Uint8Array(2 * BLOCK_SIZE));
  return concatBytes(chunks);
}

function assertOwner(owner: Owner): void {
  for (const id of [owner.uid, owner.gid]) {
    if (!Number.isSafeInteger(id) || id < 0 || id > MAX_OCTAL_7) throw new Error(`tar owner id ${id} must be a whole number between 0 and ${MAX_OCTAL_7}`);
  }
}

/** Validates paths, adds missing parent directories, rejects duplicates and files used as directories, and sorts. */
function canonicalEntries(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const entry of entries) {
    assertEntryPath(entry.path);
    const existing = byPath.get(entry.path);
    if (existing !== undefined) {
      // An identical directory listed twice is harmless; anything else is ambiguous.
      if (existing.type === "directory" && entry.type === "directory") continue;
      throw new Error(`tar entry "${entry.path}" is listed more than once`);
    }
    byPath.set(entry.path, entry);
  }

  for (const entry of [...byPath.values()]) {
    const segments = entry.path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join("/");
      const existing = byPath.get(parent);
      if (existing === undefined) {
        byPath.set(parent, { type: "directory", path: parent });
      } else if (existing.type !== "directory") {
        throw new Error(`tar entry "${entry.path}" is inside "${parent}", which is a ${existing.type}`);
      }
    }
  }

  const keyed = [...byPath.values()].map((entry) => ({
    entry,
    key: encoder.encode(entry.type === "directory" ? `${entry.path}/` : entry.path),
  }));
  keyed.sort((a, b) => compareBytes(a.key, b.key));
  return keyed.map(({ entry }) => entry);
}

function assertEntryPath(path: string): void {
  const reason = pathProblem(path);
  if (reason !== undefined) throw new Error(`tar entry path "${path}" is invalid: ${reason}`);
}

function pathProblem(path: string): string | undefined {
  if (path === "") return "it is empty";
  if (path.includes("\0")) return "it contains a NUL byte";
  if (path.includes("\\")) return "it contains a backslash; use / as the separator";
  if (path.startsWith("/")) return "it is absolute";
  if (path.endsWith("/")) return "it ends with /";
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") return `it has a "${segment}" segment; paths must be relative and normalized`;
  }
  return undefined;
}

/** The ustar header for `name`, preceded by a PAX header when the name cannot be split into ustar's fields. */
function entryHeaderBlocks(name: string, typeflag: "0" | "2" | "5", size: number, mode: number, mtime: number, owner: Owner, linkName: string): Uint8Array[] {
  const nameBytes = encoder.encode(name);
  const split = splitUstarName(nameBytes);
  if (split !== undefined) return [ustarHeader(split.name, split.prefix, typeflag, size, mode, mtime, owner, linkName)];

  const record = paxRecord("path", name);
  const paxName = concatBytes([encoder.encode("PaxHeaders/"), truncateUtf8(encoder.encode(baseName(name)), NAME_LENGTH - "PaxHeaders/".length)]);
  return [
    ustarHeader(paxName, new Uint8Array(0), "x", record.byteLength, FILE_MODE, mtime, owner),
    record,
    new Uint8Array(paddingFor(record.byteLength)),
    // Readers that ignore PAX still get a deterministic, if shortened, name.
    ustarHeader(truncateUtf8(nameBytes, NAME_LENGTH), new Uint8Array(0), typeflag, size, mode, mtime, owner, linkName),
  ];
}

function baseName(name: string): string {
  const trimmed = name.endsWith("/") ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Splits at the last `/` that leaves a prefix ≤ 155 bytes and a non-empty name ≤ 100 bytes. */
function splitUstarName(bytes: Uint8Array): { name: Uint8Array; prefix: Uint8Array } | undefined {
  if (bytes.byteLength <= NAME_LENGTH) return { name: bytes, prefix: new Uint8Array(0) };
  const slash = 0x2f;
  for (let index = Math.min(PREFIX_LENGTH, bytes.byteLength - 2); index > 0; index--) {
    if (bytes[index] !== slash) continue;
    const name = bytes.subarray(index + 1);
    if (name.byteLength > NAME_LENGTH) return undefined;
    return { name, prefix: bytes.subarray(0, index) };
  }
  return undefined;
}

/** `"<length> <key>=<value>\n"` where length counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = encoder.encode(` ${key}=${value}\n`).byteLength;
  let digits = 1;
  while (String(body + digits).length !== digits) digits++;
  return encoder.encode(`${body + digits} ${key}=${value}\n`);
}

/** Cuts at a UTF-8 character boundary so the shortened name stays valid text. */
function truncateUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.byteLength <= max) return bytes;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

type Owner = { readonly uid: number; readonly gid: number };

function ustarHeader(name: Uint8Array, prefix: Uint8Array, typeflag: string, size: number, mode: number, mtime: number, owner: Owner, linkName = ""): Uint8Array {
  const header = new Uint8Array(BLOCK_SIZE);
  header.set(name, 0);
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, owner.uid);
  writeOctal(header, 116, 8, owner.gid);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, mtime);
  header[156] = typeflag.charCodeAt(0);
  // linkname (157..257): a symlink's target, zero for every other entry.
  header.set(encoder.encode(linkName), 157);
  header.set(encoder.encode("ustar\0"), 257);
  header.set(encoder.encode("00"), 263);
  // uname (265..297) and gname (297..329) stay empty on purpose.
  writeOctal(header, 329, 8, 0); // devmajor
  writeOctal(header, 337, 8, 0); // devminor
  header.set(prefix, 345);
  return sealHeader(header);
}

function paddingFor(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let index = 0; index < length; index++) {
    const diff = (a[index] ?? 0) - (b[index] ?? 0);
    if (diff !== 0) return diff;
  }
  return a.byteLength - b.byteLength;
}

