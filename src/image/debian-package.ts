/**
 * Reads a Debian binary package (deb(5)) without dpkg: an `ar` archive whose members are
 * `debian-binary`, `control.tar.*` and `data.tar.*`; the data archive holds the files the package
 * installs. Debian 12 compresses it with xz, which Node's zlib lacks: it is decompressed by
 * Debian's own `xz -dc` as a child process, streamed, with a ceiling on what it may produce.
 * The package's bytes must already be verified against their pin (pinned-input.ts).
 */
import { gunzip } from "../bundle/gunzip.js";
import { readTar, type TarReadEntry } from "../bundle/tar-reader.js";
import { UserError } from "../errors.js";

const AR_MAGIC = "!<arch>\n";
const AR_HEADER = 60;
/** Far above a data archive of the libraries an image needs (libc6's is 13 MB). */
const MAX_DATA_TAR_BYTES = 512 * 1024 * 1024;

/** One installed path of a package: normalized (no leading `./`), a file, a directory or a symlink. */
export interface PackageEntry {
  readonly path: string;
  readonly kind: "file" | "directory" | "symlink";
  readonly mode: number;
  readonly data: Uint8Array;
  readonly linkName: string;
}

/** The members of an ar archive, by name, in order. */
function arMembers(bytes: Uint8Array, what: string): Map<string, Uint8Array> {
  const text = (start: number, length: number) => Buffer.from(bytes.subarray(start, start + length)).toString("latin1");
  if (text(0, AR_MAGIC.length) !== AR_MAGIC) throw new UserError(`${what} is not a Debian package: it does not start with the ar magic "!<arch>"`);
  const members = new Map<string, Uint8Array>();
  let offset = AR_MAGIC.length;
  while (offset < bytes.byteLength) {
    if (offset + AR_HEADER > bytes.byteLength) throw new UserError(`${what}: the ar archive is truncated at byte ${offset}`);
    const name = text(offset, 16).trimEnd().replace(/\/$/, "");
    const size = Number(text(offset + 48, 10).trim());
    if (text(offset + 58, 2) !== "`\n" || !Number.isSafeInteger(size) || size < 0) throw new UserError(`${what}: the ar member header at byte ${offset} is malformed`);
    const start = offset + AR_HEADER;
    if (start + size > bytes.byteLength) throw new UserError(`${what}: the ar member ${name} runs past the end of the file`);
    if (members.has(name)) throw new UserError(`${what}: the ar member ${name} appears twice`);
    members.set(name, bytes.subarray(start, start + size));
    offset = start + size + (size % 2);
  }
  return members;
}

/**
 * Runs `command` with `input` on stdin and returns its stdout, refusing more than `maxBytes`.
 * node:child_process is loaded here, not with the module: publish bundles this file for the status
 * image's base and would load it (~3 ms) at every start, for a release that never assembles a base.
 */
async function filter(command: string, args: readonly string[], input: Uint8Array, maxBytes: number, what: string): Promise<Uint8Array> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let total = 0;
    let stderr = "";
    let failed: Error | undefined;
    child.on("error", (error: NodeJS.ErrnoException) => {
      failed = new UserError(error.code === "ENOENT" ? `${what}: ${command} is not installed (Debian: apt-get install xz-utils)` : `${what}: ${command}: ${error.message}`);
    });
    child.stdout.on("data", (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        failed ??= new UserError(`${what} decompresses to more than ${maxBytes} bytes; refusing it`);
        child.kill();
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000);
    });
    // The child may exit (or be killed) before reading all of stdin: that is reported by its exit, not as EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
    child.on("close", (code, signal) => {
      if (failed) reject(failed);
      else if (code !== 0) reject(new UserError(`${what}: ${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
      else resolve(Buffer.concat(chunks, total));
    });
  });
}

/** The data archive of a .deb, decompressed. */
async function dataTar(members: Map<string, Uint8Array>, what: string): Promise<Uint8Array> {
  const xz = members.get("data.tar.xz");
  if (xz) return filter("xz", ["-dc"], xz, MAX_DATA_TAR_BYTES, `${what} data.tar.xz`);
  const gz = members.get("data.tar.gz");
  if (gz) return gunzip(gz, { maxBytes: MAX_DATA_TAR_BYTES });
  const plain = members.get("data.tar");
  if (plain) return plain;
  throw new UserError(`${what} has no data.tar.xz, data.tar.gz or data.tar member (it has ${[...members.keys()].join(", ")})`);
}

/** The files, directories and symlinks a .deb installs; anything else (devices, hard links) is refused. */
export async function readDebianPackage(bytes: Uint8Array, what: string): Promise<PackageEntry[]> {
  const members = arMembers(bytes, what);
  const version = members.get("debian-binary");
  if (!version || !Buffer.from(version).toString("latin1").startsWith("2.")) throw new UserError(`${what} is not a deb format 2.x package (debian-binary says otherwise)`);
  const entries: PackageEntry[] = [];
  for (const entry of readTar(await dataTar(members, what), { maxEntries: 100_000 })) {
    const path = normalizePath(entry, what);
    if (path === "") continue;
    if (entry.kind !== "file" && entry.kind !== "directory" && entry.kind !== "symlink") {
      throw new UserError(`${what}: ${entry.path} is a ${entry.kind}; only files, directories and symbolic links are taken into an image`);
    }
    entries.push({ path, kind: entry.kind, mode: entry.mode, data: entry.data, linkName: entry.linkName });
  }
  return entries;
}

function normalizePath(entry: TarReadEntry, what: string): string {
  const path = entry.path.replace(/^\.\//, "").replace(/^\.$/, "").replace(/\/$/, "");
  if (path.startsWith("/") || path.split("/").some((segment) => segment === ".." || segment === ".")) {
    throw new UserError(`${what}: the data archive names ${JSON.stringify(entry.path)}, which is not a plain relative path`);
  }
  return path;
}
