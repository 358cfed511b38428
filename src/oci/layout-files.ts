/**
 * File-system primitives of an OCI image layout: directories and files with fixed modes whatever
 * the umask (so two machines give the same tree), and whole-file replacement by rename.
 */
import { randomBytes } from "node:crypto";
import { lstatSync, readFileSync, statSync, type Stats } from "node:fs";
import { chmod, mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { syncDirectory } from "../fs/sync-directory.js";

export const DIRECTORY_MODE = 0o755;
export const FILE_MODE = 0o644;

/** mkdir -p whose newly created directories are 0755 whatever the umask; existing ones are left alone. */
export async function makeDirectories(target: string): Promise<void> {
  const firstCreated = await mkdir(target, { recursive: true });
  if (firstCreated === undefined) return;
  let current = firstCreated;
  await chmod(current, DIRECTORY_MODE);
  for (const segment of relative(firstCreated, target).split(sep).filter(Boolean)) {
    current = join(current, segment);
    await chmod(current, DIRECTORY_MODE);
  }
}

/** A temp file name beside `path` that no other writer picks. */
function tempPathBeside(path: string): string {
  return `${path}.tmp-${randomBytes(6).toString("hex")}`;
}

/**
 * temp file in the target's directory → write → fsync → chmod → rename. The rename is
 * atomic on POSIX filesystems, so the target is either the old or the complete new file.
 * With `deferDirectorySync` the directory is recorded there for the caller to sync once.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, deferDirectorySync?: Set<string>): Promise<void> {
  await writeIntoPlace(path, (handle) => handle.writeFile(data), deferDirectorySync);
}

/**
 * Writes a file through a temporary file beside it: `fill` writes the content (and may throw, e.g.
 * on a digest mismatch), then the file is synced, made FILE_MODE and renamed into place. On any
 * failure the temporary file is removed and `path` is untouched. The directory is synced, or added
 * to `deferDirectorySync` for the caller to sync once.
 */
export async function writeIntoPlace(path: string, fill: (handle: FileHandle) => Promise<void>, deferDirectorySync?: Set<string>): Promise<void> {
  const temp = tempPathBeside(path);
  const handle = await open(temp, "wx", FILE_MODE);
  let renamed = false;
  try {
    try {
      await fill(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, FILE_MODE);
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
  if (deferDirectorySync) deferDirectorySync.add(dirname(path));
  else await syncDirectory(dirname(path));
}

/*
 * Reads of a layout's small files (the marker, index.json, manifests and configs) and its lstats
 * are synchronous. Each is a few system calls of microseconds, where node:fs/promises sends every
 * one of them (open, fstat, read, close) through libuv's thread pool and back: ~0.2 ms a hop on the
 * 2-core machine, and a publish made some 80 hops before its first upload. Blobs over 1 MiB are
 * still read through the pool, streamed ones stay streams, and writes stay asynchronous (they fsync).
 */

/** lstat, or undefined when nothing is there. */
export function lstatIfPresent(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/** stat (links followed), or undefined when nothing is there. */
export function statIfPresent(path: string): Stats | undefined {
  return statSync(path, { throwIfNoEntry: false });
}

/** A small file's bytes, or undefined when it is missing. */
export function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    return ignoreMissing(error as NodeJS.ErrnoException);
  }
}

export function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT") return undefined;
  throw error;
}
