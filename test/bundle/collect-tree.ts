/**
 * Reads a directory into tar entries (regular files and directories only), for tests that
 * compare a tree on disk with what the tar writer makes of it. Synth renders in memory and
 * never needed this, so it lives beside the tests rather than in src/bundle.
 */
import { constants } from "node:fs";
import { lstat, open, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { TarEntry, TarFileEntry } from "../../src/bundle/tar-writer.js";

/**
 * Reads `dir` into tar entries: regular files and directories only.
 * Symlinks, devices, FIFOs and sockets are refused, naming the offending path, because the
 * rendered tree never contains them and following them would let content leak in from
 * outside the tree. `dir` itself may be reached through a symlink (e.g. macOS `/tmp`).
 */
export async function collectTree(dir: string): Promise<TarEntry[]> {
  const root = resolve(dir);
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) throw new Error(`cannot bundle "${root}": it is not a directory`);
  const entries: TarEntry[] = [];
  await collectDirectory(root, "", entries);
  return entries;
}

async function collectDirectory(absolute: string, relative: string, out: TarEntry[]): Promise<void> {
  // Sorting here only makes traversal (and any error) repeatable; the writer sorts again.
  const names = (await readdir(absolute)).sort(compareUtf8);
  for (const name of names) {
    const childAbsolute = join(absolute, name);
    const childRelative = relative === "" ? name : `${relative}/${name}`;
    const info = await lstat(childAbsolute);
    if (info.isDirectory()) {
      out.push({ type: "directory", path: childRelative });
      await collectDirectory(childAbsolute, childRelative, out);
    } else if (info.isFile()) {
      out.push(await readRegularFile(childAbsolute, childRelative));
    } else {
      throw refuseKind(childRelative, childAbsolute, describeKind(info));
    }
  }
}

/** Opens with O_NOFOLLOW and re-checks the type on the open handle, so a file swapped for a symlink after lstat is still refused. */
async function readRegularFile(absolute: string, relative: string): Promise<TarFileEntry> {
  let handle;
  try {
    handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isErrno(error, "ELOOP")) throw refuseKind(relative, absolute, "symbolic link");
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw refuseKind(relative, absolute, describeKind(info));
    const buffer = await handle.readFile();
    const data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    return { type: "file", path: relative, data, executable: (info.mode & 0o111) !== 0 };
  } finally {
    await handle.close();
  }
}

interface KindProbe {
  isSymbolicLink(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

function describeKind(info: KindProbe): string {
  if (info.isSymbolicLink()) return "symbolic link";
  if (info.isCharacterDevice()) return "character device";
  if (info.isBlockDevice()) return "block device";
  if (info.isFIFO()) return "FIFO";
  if (info.isSocket()) return "socket";
  return "special file";
}

function refuseKind(relative: string, absolute: string, kind: string): Error {
  return new Error(`refusing to bundle "${relative}" (${absolute}): it is a ${kind}; the tree may only contain regular files and directories`);
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}


function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
