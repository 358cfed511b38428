/**
 * Extracts a config bundle pulled from the network. The archive is treated as hostile: the
 * whole entry list is validated before anything touches the disk, only directories and
 * regular files are ever created (so no later entry can be redirected through a link), and
 * the result appears at `destDir` all at once or not at all.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DEFAULT_MAX_DECOMPRESSED_BYTES, gunzip } from "./gunzip.js";
import { moveIntoPlace } from "../fs/move-into-place.js";
import { readTar, TarFormatError, type TarReadEntry } from "./tar-reader.js";

export interface ExtractOptions {
  /** Maximum decompressed archive size in bytes. Default 256 MiB. */
  readonly maxBytes?: number;
  /** Maximum number of entries. Default 10 000. */
  readonly maxEntries?: number;
  /** Replace an existing `destDir` instead of refusing. */
  readonly replace?: boolean;
}

export interface ExtractResult {
  readonly directory: string;
  readonly files: number;
  readonly directories: number;
  readonly bytes: number;
}

export const DEFAULT_MAX_ENTRIES = 10_000;

/** Raised for an entry the extractor will not materialize; names the entry and why. */
export class UnsafeTarEntryError extends Error {
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`refusing tar entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = "UnsafeTarEntryError";
  }
}

interface PlannedDirectory {
  readonly kind: "directory";
  readonly path: string;
}

interface PlannedFile {
  readonly kind: "file";
  readonly path: string;
  readonly entry: string;
  readonly data: Uint8Array;
  readonly mode: number;
}

type PlannedItem = PlannedDirectory | PlannedFile;

/** gunzip + {@link extractTar}. */
export async function extractTarGz(bytes: Uint8Array, destDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const tar = gunzip(bytes, { maxBytes: options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES });
  return extractTar(tar, destDir, options);
}

/**
 * Extracts an uncompressed tar into `destDir`, which must not exist unless `replace` is set.
 * Work happens in `<destDir>.tmp-<random>` next to it, renamed into place on success and
 * removed on failure. The parent of `destDir` is created if missing.
 */
export async function extractTar(tar: Uint8Array, destDir: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (tar.byteLength > maxBytes) throw new TarFormatError(`tar archive is ${tar.byteLength} bytes, more than the allowed ${maxBytes}`);
  const destination = resolve(destDir);
  // Checked up front so a refusal costs nothing; checked again before the rename.
  assertDestinationFree(destination, options.replace === true);

  const entries = readTar(tar, { maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES });
  const plan = planExtraction(entries);

  mkdirSync(dirname(destination), { recursive: true });
  const staging = mkdtempSync(`${destination}.tmp-`);
  let placed = false;
  try {
    materialize(staging, plan);
    assertDestinationFree(destination, options.replace === true);
    await moveIntoPlace(staging, destination);
    placed = true;
  } finally {
    if (!placed) await rm(staging, { recursive: true, force: true });
  }

  let files = 0;
  let bytes = 0;
  for (const item of plan) {
    if (item.kind === "file") {
      files++;
      bytes += item.data.byteLength;
    }
  }
  return { directory: destination, files, directories: plan.length - files, bytes };
}

/**
 * Validates every entry and returns what to create, in archive order: parents before
 * children, directories implied by file paths included.
 */
function planExtraction(entries: readonly TarReadEntry[]): PlannedItem[] {
  const seen = new Map<string, "file" | "directory" | "implied-directory">();
  const plan: PlannedItem[] = [];

  for (const entry of entries) {
    const refuse = (reason: string): never => {
      throw new UnsafeTarEntryError(entry.path, reason);
    };
    refuseKind(entry, refuse);
    if (entry.kind === "directory" && entry.size !== 0) refuse(`directory entry declares ${entry.size} bytes of data`);
    const path = normalizeEntryPath(entry, refuse);
    if (path === "") continue; // the archive's own root ("./")

    const previous = seen.get(path);
    if (previous === "file" || previous === "directory") refuse("duplicate entry: the archive already contains this path");
    if (previous === "implied-directory" && entry.kind === "file") {
      refuse("a file cannot replace a directory that earlier entries placed files in");
    }

    const segments = path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join("/");
      const parentKind = seen.get(parent);
      if (parentKind === "file") refuse(`path goes through "${parent}", which an earlier entry created as a file`);
      if (parentKind === undefined) {
        seen.set(parent, "implied-directory");
        plan.push({ kind: "directory", path: parent });
      }
    }

    if (entry.kind === "directory") {
      seen.set(path, "directory");
      if (previous === undefined) plan.push({ kind: "directory", path });
    } else {
      seen.set(path, "file");
      plan.push({ kind: "file", path, entry: entry.path, data: entry.data, mode: entry.mode & 0o111 ? 0o755 : 0o644 });
    }
  }
  return plan;
}

function refuseKind(entry: TarReadEntry, refuse: (reason: string) => never): void {
  switch (entry.kind) {
    case "file":
    case "directory":
      return;
    case "symlink":
      return refuse(`symbolic links are not allowed (target ${JSON.stringify(entry.linkName)})`);
    case "hardlink":
      return refuse(`hard links are not allowed (target ${JSON.stringify(entry.linkName)})`);
    case "character-device":
    case "block-device":
      return refuse(`device files are not allowed (${entry.kind})`);
    case "fifo":
      return refuse("FIFOs are not allowed");
    case "unsupported":
      return refuse(`unsupported entry type ${JSON.stringify(entry.typeflag)}`);
  }
}

/**
 * Returns the path relative to the destination with `/` separators and no trailing `/`,
 * or "" for the archive root. Leading `./` is tolerated (archives made with `tar -C dir .`);
 * every other non-canonical form is refused rather than normalized, so two spellings of
 * one path can never both pass.
 */
/** NAME_MAX and a PATH_MAX that leaves room for the destination's own path. */
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 1024;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function normalizeEntryPath(entry: TarReadEntry, refuse: (reason: string) => never): string {
  let path = entry.path;
  if (path.includes("\0")) refuse("path contains a NUL byte");
  if (path === "") refuse("path is empty");
  if (path.includes("\\")) refuse("path contains a backslash");
  if (path.startsWith("/")) refuse("path is absolute");
  if (/^[A-Za-z]:/.test(path)) refuse("path starts with a drive letter");
  while (path.startsWith("./")) path = path.slice(2);
  if (path === "" || path === ".") {
    if (entry.kind !== "directory") refuse("only a directory may name the archive root");
    return "";
  }
  if (path.endsWith("/")) {
    if (entry.kind !== "directory") refuse("path ends with / but the entry is not a directory");
    path = path.slice(0, -1);
  }
  const segments = path.split("/");
  if (segments.includes("..")) refuse("path escapes the destination");
  if (segments.some((segment) => segment === "" || segment === ".")) refuse("path has an empty or . segment");
  // Refused here rather than by the filesystem (ENAMETOOLONG), with the same limits Linux applies.
  const longest = Math.max(...segments.map((segment) => utf8Length(segment)));
  if (longest > MAX_NAME_BYTES) refuse(`a path component is ${longest} bytes long; at most ${MAX_NAME_BYTES} are allowed`);
  if (utf8Length(path) > MAX_PATH_BYTES) refuse(`path is ${utf8Length(path)} bytes long; at most ${MAX_PATH_BYTES} are allowed`);
  return path;
}

/**
 * Creates the plan inside the fresh staging directory. `wx` makes any collision the plan
 * could not foresee (e.g. two names equal on a case-insensitive filesystem) an error
 * instead of an overwrite. Modes are set with chmod so the umask has no say.
 *
 * Synchronous: the archive is already in memory and checked, and writing it is a burst of small
 * system calls (four per file) that node:fs/promises would each send through the thread pool and
 * back, ~0.2 ms a hop on the 2-core machine, against microseconds done here.
 */
function materialize(staging: string, plan: readonly PlannedItem[]): void {
  chmodSync(staging, 0o755);
  for (const item of plan) {
    const target = join(staging, ...item.path.split("/"));
    if (item.kind === "directory") {
      mkdirSync(target);
      chmodSync(target, 0o755);
    } else {
      try {
        writeFileSync(target, item.data, { flag: "wx", mode: item.mode });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") {
          throw new UnsafeTarEntryError(item.entry, "collides with another entry on this filesystem");
        }
        throw error;
      }
      chmodSync(target, item.mode);
    }
  }
}

function assertDestinationFree(destination: string, replace: boolean): void {
  const info = lstatSync(destination, { throwIfNoEntry: false });
  if (info === undefined) return;
  if (!replace) throw new Error(`cannot extract into "${destination}": it already exists (pass replace: true to swap it)`);
  if (!info.isDirectory() || info.isSymbolicLink()) {
    throw new Error(`cannot replace "${destination}": it exists and is not a directory`);
  }
}


