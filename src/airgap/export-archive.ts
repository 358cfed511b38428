/**
 * `airgap export`: a release's whole content as one OCI image layout, packed as a tar (or left as
 * a layout directory).
 *
 * The bytes are a function of the lock, the release store's artifacts and the platforms alone:
 * tar entries in a fixed order (`oci-layout`, `index.json`, `blobs/`, `blobs/sha256/`, then every
 * blob by digest), fixed headers (src/airgap/archive-tar.ts), index.json in the layout's
 * deterministic form. Nothing of the machine, path, umask, clock or time zone goes in.
 *
 * Resumable: the tar is written to `<out>.partial`; a later run keeps every entry of it that is
 * exactly what it would write (headers compared, blob bytes hashed again) and appends the rest.
 * Every blob is hashed while it streams from its source, and a wrong byte stops the export.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat, statfs, truncate, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DigestMismatchError } from "../oci/digest.js";
import { LayoutBlobStore } from "../oci/layout-blob-store.js";
import { INDEX_FILE, serializeIndex } from "../oci/layout-index.js";
import { makeDirectories, writeFileAtomic } from "../oci/layout-files.js";
import { OCI_LAYOUT_FILE, OCI_LAYOUT_VERSION } from "../oci/layout.js";
import { UserError } from "../errors.js";
import type { ArchivePlan, PlannedBlob } from "./export-plan.js";
import { BLOCK, END_OF_ARCHIVE, padding, tarHeader } from "./archive-tar.js";
import { ByteProgress } from "../progress.js";

const encoder = new TextEncoder();

export interface ArchiveWriteOptions {
  /** Top-level index.json annotations (release, platforms, identity, since). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Blobs left out (a delta: what the base archive holds). */
  readonly omit?: ReadonlySet<string>;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly now?: () => number;
}

export interface ArchiveWriteResult {
  /** sha256 of the whole tar (undefined for a layout directory). */
  readonly digest?: string;
  /** Bytes of blobs in the archive. */
  readonly blobBytes: number;
  readonly blobs: number;
  /** Bytes copied this run (the rest was kept from an interrupted run). */
  readonly copied: number;
}

/** The index.json bytes of a plan. */
function indexBytes(plan: ArchivePlan, annotations: Readonly<Record<string, string>>): Uint8Array {
  return encoder.encode(serializeIndex({ extra: { annotations: { ...annotations } }, manifests: plan.entries }));
}

const LAYOUT_MARKER = encoder.encode(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));

/** The blobs that go in, by digest. */
export function archiveBlobs(plan: ArchivePlan, omit?: ReadonlySet<string>): PlannedBlob[] {
  return [...plan.blobs.values()].filter((blob) => !omit?.has(blob.descriptor.digest)).sort((a, b) => (a.descriptor.digest < b.descriptor.digest ? -1 : 1));
}

/** Refuses to start when the file system holding `path` has less than `needed` bytes free. */
async function assertFreeSpace(path: string, needed: number): Promise<void> {
  const info = await statfs(path);
  const free = info.bavail * info.bsize;
  if (free < needed) {
    throw new UserError(`${path}: ${needed} bytes are needed and only ${free} are free; free some space or write elsewhere`);
  }
}

type Piece =
  | { readonly path: string; readonly kind: "directory" }
  | { readonly path: string; readonly kind: "bytes"; readonly data: Uint8Array }
  | { readonly path: string; readonly kind: "blob"; readonly blob: PlannedBlob };

function pieceSize(piece: Piece): number {
  return piece.kind === "directory" ? 0 : piece.kind === "bytes" ? piece.data.byteLength : piece.blob.descriptor.size;
}

/** Writes the plan as a tar at `out` (via `<out>.partial`, resumed when present). */
export async function writeArchiveTar(plan: ArchivePlan, out: string, options: ArchiveWriteOptions): Promise<ArchiveWriteResult> {
  const blobs = archiveBlobs(plan, options.omit);
  const pieces: Piece[] = [
    { path: OCI_LAYOUT_FILE, kind: "bytes", data: LAYOUT_MARKER },
    { path: INDEX_FILE, kind: "bytes", data: indexBytes(plan, options.annotations) },
    { path: "blobs/", kind: "directory" },
    { path: "blobs/sha256/", kind: "directory" },
    ...blobs.map((blob): Piece => ({ path: `blobs/sha256/${blob.descriptor.digest.slice(7)}`, kind: "blob", blob })),
  ];
  const total = blobs.reduce((sum, blob) => sum + blob.descriptor.size, 0);
  const partial = `${out}.partial`;
  await makeDirectories(dirname(out));
  const hash = createHash("sha256");
  const { kept, offset } = await keepVerifiedPrefix(partial, pieces, hash);
  const remaining = pieces.slice(kept).reduce((sum, piece) => sum + BLOCK + pieceSize(piece) + padding(pieceSize(piece)).byteLength, END_OF_ARCHIVE.byteLength);
  await assertFreeSpace(dirname(out), remaining);
  const keptBytes = pieces.slice(0, kept).reduce((sum, piece) => sum + (piece.kind === "blob" ? piece.blob.descriptor.size : 0), 0);
  const progress = new ByteProgress({ total, write: options.progress ?? (() => {}), terminal: options.terminal ?? false, ...(options.now ? { now: options.now } : {}) });
  if (keptBytes > 0) progress.add(keptBytes);

  const handle = await open(partial, offset === 0 ? "w" : "r+", 0o644);
  let position = offset;
  let copied = 0;
  try {
    const write = async (data: Uint8Array) => {
      hash.update(data);
      await writeFully(handle, data, position);
      position += data.byteLength;
    };
    for (const piece of pieces.slice(kept)) {
      const size = pieceSize(piece);
      await write(tarHeader(piece.path, piece.kind === "directory" ? "directory" : "file", size));
      if (piece.kind === "bytes") await write(piece.data);
      if (piece.kind === "blob") {
        const { descriptor } = piece.blob;
        const check = createHash("sha256");
        let written = 0;
        for await (const chunk of await blobSource(piece.blob)) {
          written += chunk.byteLength;
          if (written > descriptor.size) throw new DigestMismatchError(`blob ${descriptor.digest} from ${piece.blob.source?.location ?? "the plan"}`, descriptor, { size: written });
          check.update(chunk);
          await write(chunk);
          progress.add(chunk.byteLength);
          copied += chunk.byteLength;
        }
        const actual = `sha256:${check.digest("hex")}`;
        if (written !== descriptor.size || actual !== descriptor.digest) {
          // The bytes already appended are cut off, so a resumed run starts this blob afresh.
          await handle.truncate(position - written - BLOCK);
          throw new DigestMismatchError(`blob ${descriptor.digest} from ${piece.blob.source?.location ?? "the plan"}`, descriptor, { digest: actual, size: written });
        }
      }
      await write(padding(size));
    }
    await write(END_OF_ARCHIVE);
    await handle.truncate(position);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, out);
  return { digest: `sha256:${hash.digest("hex")}`, blobBytes: total, blobs: blobs.length, copied };
}

async function blobSource(blob: PlannedBlob): Promise<AsyncIterable<Uint8Array>> {
  if (blob.bytes) {
    const bytes = blob.bytes;
    return (async function* () {
      yield bytes;
    })();
  }
  return blob.source!.openBlob(blob.descriptor);
}

async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
    done += bytesWritten;
  }
}

/**
 * How many leading pieces `<out>.partial` already holds exactly (header bytes equal, data hashing
 * to its digest), feeding them to `hash`; the file is cut after them.
 */
async function keepVerifiedPrefix(partial: string, pieces: readonly Piece[], hash: Hash): Promise<{ kept: number; offset: number }> {
  const info = await stat(partial).catch(() => undefined);
  if (info === undefined || !info.isFile()) return { kept: 0, offset: 0 };
  const handle = await open(partial, "r");
  let kept = 0;
  let offset = 0;
  try {
    for (const piece of pieces) {
      const size = pieceSize(piece);
      if (offset + BLOCK + size + padding(size).byteLength > info.size) break;
      const onDisk = new Uint8Array(BLOCK);
      await handle.read(onDisk, 0, BLOCK, offset);
      if (Buffer.compare(onDisk, tarHeader(piece.path, piece.kind === "directory" ? "directory" : "file", size)) !== 0) break;
      if (size > 0) {
        const pieceHash = createHash("sha256");
        for await (const chunk of createReadStream(partial, { start: offset + BLOCK, end: offset + BLOCK + size - 1, highWaterMark: 1024 * 1024 })) pieceHash.update(chunk as Buffer);
        const expected = piece.kind === "blob" ? piece.blob.descriptor.digest : `sha256:${createHash("sha256").update(piece.kind === "bytes" ? piece.data : new Uint8Array(0)).digest("hex")}`;
        if (`sha256:${pieceHash.digest("hex")}` !== expected) break;
      }
      offset += BLOCK + size + padding(size).byteLength;
      kept++;
    }
  } finally {
    await handle.close();
  }
  if (kept === 0) {
    await rm(partial, { force: true });
    return { kept: 0, offset: 0 };
  }
  await truncate(partial, offset);
  // The kept prefix goes into the running hash of the whole tar (padding is zeros, checked by nobody: it is re-read as written).
  for await (const chunk of createReadStream(partial, { start: 0, end: offset - 1, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return { kept, offset };
}

/** Writes the plan as an OCI image layout directory (blobs kept when already there and correct). */
export async function writeArchiveLayout(plan: ArchivePlan, dir: string, options: ArchiveWriteOptions): Promise<ArchiveWriteResult> {
  const blobs = archiveBlobs(plan, options.omit);
  const total = blobs.reduce((sum, blob) => sum + blob.descriptor.size, 0);
  await makeDirectories(join(dir, "blobs", "sha256"));
  await assertFreeSpace(dir, total);
  const store = new LayoutBlobStore(dir);
  const progress = new ByteProgress({ total, write: options.progress ?? (() => {}), terminal: options.terminal ?? false, ...(options.now ? { now: options.now } : {}) });
  let copied = 0;
  const deferred = new Set<string>();
  for (const blob of blobs) {
    let last = 0;
    const wrote = await store.write(blob.descriptor, await lazySource(store, blob), {
      what: `blob ${blob.descriptor.digest} from ${blob.source?.location ?? "the plan"}`,
      deferDirectorySync: deferred,
      onBytes: (written) => {
        progress.add(written - last);
        last = written;
      },
    });
    if (wrote) copied += blob.descriptor.size;
    else progress.add(blob.descriptor.size);
  }
  await writeFileAtomic(join(dir, INDEX_FILE), indexBytes(plan, options.annotations));
  await writeFileAtomic(join(dir, OCI_LAYOUT_FILE), LAYOUT_MARKER);
  return { blobBytes: total, blobs: blobs.length, copied };
}

/** The blob's source, opened only when the store actually needs its bytes. */
async function lazySource(store: LayoutBlobStore, blob: PlannedBlob): Promise<AsyncIterable<Uint8Array>> {
  if (await store.holds(blob.descriptor)) return (async function* () {})();
  return blobSource(blob);
}
