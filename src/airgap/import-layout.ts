/**
 * `airgap import --oci-layout DIR`: a verified archive into one OCI image layout, named as the
 * archive names it (full references in `org.opencontainers.image.ref.name`, containerd's
 * `io.containerd.image.name` on images), so the layout is what `export --layout-out` writes and can
 * serve as a later export's `--mirror`, and skopeo (`oci:DIR:<reference>`) reads it.
 *
 * The order keeps every reader safe: nothing is written before the whole archive is verified and,
 * for a delta, every base blob it leaves out is found in the layout. Then blob files go in (each
 * streamed from the archive into a temporary file, hashed while written, renamed under its digest
 * only when it matches: src/oci/layout-blob-store.ts), manifests likewise, the blobs directory is
 * synced, and last index.json is rewritten once, under the layout's writers' lock, with every new
 * reference at once — version references and the channel's together, so no reader ever sees a
 * channel reference before the release it names, or any reference before its content. A refused or
 * interrupted import leaves index.json as it was (blob files already written stay, unreferenced).
 *
 * A reference already in the layout is replaced (as a registry moves a tag). index.json's
 * top-level annotations are the layout's own and are left alone: a layout may hold several
 * releases, the archive's annotations describe one archive.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { syncDirectory } from "../fs/sync-directory.js";
import { UserError } from "../errors.js";
import { CHANNELS_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import type { Deadline } from "../oci/deadline.js";
import { OciLayoutRepository } from "../oci/layout.js";
import { INDEX_FILE, parseIndex, refNameOf, serializeIndex, type IndexEntry } from "../oci/layout-index.js";
import { writeFileAtomic } from "../oci/layout-files.js";
import { withLayoutLock } from "../oci/layout-lock.js";
import type { Descriptor } from "../oci/types.js";
import { archiveIndexEntry } from "./archive-index-entry.js";
import { carried, type ImportOptions, type ImportReport } from "./import-archive.js";
import { ByteProgress } from "../progress.js";
import { streamRange, type VerifiedArchive } from "./read-archive.js";
import { ANNOTATION_CONTAINERD_IMAGE_NAME } from "./vocabulary.js";

export interface LayoutImportOptions extends ImportOptions {
  readonly deadline?: Deadline;
}

export async function importIntoLayout(archive: VerifiedArchive, dir: string, options: LayoutImportOptions = {}): Promise<ImportReport> {
  const layoutDir = resolve(dir);
  const layout = new OciLayoutRepository(layoutDir, options.deadline ? { deadline: options.deadline } : {});
  const progress = options.progress ?? (() => {});

  // What goes in: the carried entries and everything they reach; a delta's base is checked, not written.
  const entries = archive.entries.filter((entry) => carried(entry, options.statement));
  const blobs = new Map<string, Descriptor>();
  const manifests = new Map<string, Descriptor>();
  const base = new Map<string, Descriptor>();
  const visit = (descriptor: Descriptor, isManifest: boolean): void => {
    if (blobs.has(descriptor.digest) || manifests.has(descriptor.digest) || base.has(descriptor.digest)) return;
    if (archive.baseContent.has(descriptor.digest)) {
      base.set(descriptor.digest, descriptor);
      return;
    }
    const manifest = archive.manifests.get(descriptor.digest);
    if (isManifest && manifest) {
      manifests.set(descriptor.digest, manifest.descriptor);
      for (const child of manifest.children) visit(child, manifest.index);
    } else {
      blobs.set(descriptor.digest, descriptor);
    }
  };
  for (const entry of entries) visit(entry.descriptor, true);

  // A delta needs its base in the layout: checked before the layout is touched.
  for (const descriptor of base.values()) {
    if ((await layout.blobs.sizeOf(descriptor.digest).catch(() => undefined)) !== descriptor.size) {
      throw new UserError(
        `${archive.file} is a delta of release ${archive.release ?? "?"} on top of ${archive.since ?? "?"}: the OCI layout ${layoutDir} lacks ${descriptor.digest}, which the ${archive.since ?? "base"} archive holds. Import the ${archive.since ?? "base"} archive into it first; nothing was imported`,
      );
    }
  }

  await layout.create();
  const directories = new Set<string>();
  const total = [...blobs.values()].reduce((sum, d) => sum + d.size, 0);
  progress(`writing ${blobs.size} blob(s) and ${manifests.size} manifest(s) into ${layoutDir}`);
  const bytes = new ByteProgress({ total, write: progress, terminal: options.terminal ?? false, ...(options.now ? { now: options.now } : {}) });
  let blobsSent = 0;
  let bytesSent = 0;
  let blobsPresent = 0;
  for (const descriptor of blobs.values()) {
    let last = 0;
    // The archive was verified, but its bytes are read again: the store hashes them while writing.
    const wrote = await layout.blobs.write(descriptor, streamRange(archive.file, archive.blobs.get(descriptor.digest)!), {
      what: `blob ${descriptor.digest} of ${archive.file} written to ${layoutDir}`,
      deferDirectorySync: directories,
      onBytes: (written) => {
        bytes.add(written - last);
        last = written;
      },
    });
    bytes.add(descriptor.size - last);
    if (wrote) {
      blobsSent++;
      bytesSent += descriptor.size;
    } else blobsPresent++;
  }
  let manifestsWritten = 0;
  for (const descriptor of manifests.values()) {
    const manifest = archive.manifests.get(descriptor.digest)!;
    if (await layout.blobs.write(descriptor, manifest.bytes, { what: `manifest ${descriptor.digest} of ${archive.file} written to ${layoutDir}`, deferDirectorySync: directories })) manifestsWritten++;
  }
  for (const directory of directories) await syncDirectory(directory);

  // The references, all at once and last.
  const added: IndexEntry[] = entries.map((entry) => archiveIndexEntry(entry.reference, entry.descriptor, entry.role));
  if (options.channel !== undefined) {
    const release = archive.entries.find((entry) => entry.role === "release");
    if (release === undefined) throw new UserError(`${archive.file} holds no release artifact to point channel ${options.channel} at`);
    added.push(archiveIndexEntry(`${RELEASE_REPOSITORY}:${options.channel}`, release.descriptor, "release"));
    if (options.statement) added.push(archiveIndexEntry(`${CHANNELS_REPOSITORY}:${options.channel}`, options.statement.descriptor, "statement"));
  }
  const names = new Set(added.map((entry) => refNameOf(entry)));
  progress(`adding ${added.length} reference(s) to ${join(layoutDir, INDEX_FILE)}`);
  await withLayoutLock(layoutDir, options.deadline, async () => {
    const path = join(layoutDir, INDEX_FILE);
    const index = parseIndex(await readFile(path, "utf8"), path);
    // A reference already there moves, whichever of the two name annotations held it.
    const kept = index.manifests.filter((entry) => !names.has(refNameOf(entry)) && !names.has(containerdNameOf(entry)));
    await writeFileAtomic(path, new TextEncoder().encode(serializeIndex({ extra: index.extra, manifests: [...kept, ...added] })));
  });
  return { blobsSent, bytesSent, blobsPresent, blobsMounted: 0, manifests: manifestsWritten, tags: added.map((entry) => refNameOf(entry)!) };
}

function containerdNameOf(entry: IndexEntry): string | undefined {
  const value = (entry.annotations as Record<string, unknown> | undefined)?.[ANNOTATION_CONTAINERD_IMAGE_NAME];
  return typeof value === "string" ? value : undefined;
}
