/**
 * `airgap import`: a verified archive into a registry, in the order that keeps every reader safe:
 * blobs the registry lacks, then manifests by digest (children before the indexes naming them),
 * then version tags, and a channel tag last. Nothing is written before the whole archive is
 * verified (src/airgap/read-archive.ts) and, for a delta, before every base blob it leaves out is
 * found at the destination; so a refused import leaves no tag, and an interrupted one leaves only
 * tags whose content is complete.
 *
 * Images keep their repository paths (`ghcr.io/nine-minds/pgbouncer` → `<registry>/nine-minds/pgbouncer`),
 * so a node whose containerd mirrors ghcr.io to this registry finds them by the pinned references;
 * the release store's repositories go under the target's namespace, where pull and Flux read them.
 */
import { CHANNELS_REPOSITORY, CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import { referrersTag } from "../signing/bundle-referrer.js";
import { signatureTag } from "../signing/cosign-format.js";
import { createHash } from "node:crypto";
import { UserError } from "../errors.js";
import { DigestMismatchError } from "../oci/digest.js";
import { joinRepositoryName } from "../oci/registry-reference.js";
import { uploadRegistryBlobStream } from "../oci/registry-blob-stream.js";
import type { RegistryClient } from "../oci/registry-client.js";
import type { Descriptor } from "../oci/types.js";
import { parseArchiveReference } from "./archive-reference.js";
import { ByteProgress } from "../progress.js";
import { forEachBounded } from "./bounded-pool.js";
import { streamRange, type ArchiveEntry, type VerifiedArchive } from "./read-archive.js";

/** Where an import writes: repositories of one registry. */
export interface ImportTarget {
  readonly location: string;
  /** The destination repository of an archive entry's repository (`host` undefined: the release store). */
  repositoryFor(host: string | undefined, repository: string): string;
  hasBlob(repository: string, digest: string): Promise<boolean>;
  hasManifest(repository: string, digest: string): Promise<boolean>;
  /** Links a blob `from` another repository of the same target, sending no bytes; false when declined. */
  mountBlob(repository: string, descriptor: Descriptor, from: string): Promise<boolean>;
  pushBlob(repository: string, descriptor: Descriptor, source: AsyncIterable<Uint8Array>, onBytes: (sent: number) => void): Promise<void>;
  pushManifest(repository: string, bytes: Uint8Array, mediaType: string, reference: string): Promise<void>;
}

export function registryTarget(client: RegistryClient, namespace: string | undefined): ImportTarget {
  return {
    location: `${client.registry}${namespace ? `/${namespace}` : ""}`,
    repositoryFor: (host, repository) => (host === undefined && namespace ? joinRepositoryName(namespace, repository) : repository),
    hasBlob: (repository, digest) => client.repository(repository).hasBlob(digest),
    hasManifest: async (repository, digest) => (await client.repository(repository).resolve(digest)) !== undefined,
    mountBlob: (repository, descriptor, from) => client.repository(repository).mountBlob(descriptor, from),
    pushBlob: (repository, descriptor, source, onBytes) => uploadRegistryBlobStream(client, repository, descriptor, source, { onBytes, chunkBytes: UPLOAD_CHUNK_BYTES }),
    pushManifest: async (repository, bytes, mediaType, reference) => void (await client.repository(repository).pushManifest(bytes, mediaType, reference)),
  };
}

export interface ImportOptions {
  /** Point this channel of the release repository at the archive's release, last. */
  readonly channel?: string;
  /** The archive's (verified) statement for `channel`: pushed with its signatures, its history tag, and the channel's statement tag after the release's channel tag. */
  readonly statement?: ArchiveEntry;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly now?: () => number;
}

export interface ImportReport {
  readonly blobsSent: number;
  readonly bytesSent: number;
  readonly blobsPresent: number;
  /** Linked from another repository of the target where this import (or an earlier one) put them: no bytes sent. */
  readonly blobsMounted: number;
  readonly manifests: number;
  readonly tags: readonly string[];
}

/** Blobs under way at once: skopeo copies layers in parallel too; memory is this many upload chunks. */
const BLOB_CONCURRENCY = 4;
/** One PATCH of an upload, read from the tar straight into the buffer sent (no copy): BLOB_CONCURRENCY of them bound the import's memory. */
const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

interface BlobTask {
  readonly repository: string;
  readonly descriptor: Descriptor;
  /** The first repository to need this digest: it uploads it (or finds it there); the others mount it from there. */
  readonly first: boolean;
}

interface RepositoryWork {
  readonly repository: string;
  /** Manifests in push order (children first). */
  readonly manifests: Descriptor[];
  readonly blobs: Descriptor[];
  readonly base: Descriptor[];
  readonly tags: { tag: string; descriptor: Descriptor; reference: string }[];
}

export async function importArchive(archive: VerifiedArchive, target: ImportTarget, options: ImportOptions = {}): Promise<ImportReport> {
  const work = new Map<string, RepositoryWork>();
  const forRepository = (entry: ArchiveEntry): RepositoryWork => {
    const parsed = parseArchiveReference(entry.reference);
    const repository = target.repositoryFor(parsed.host, parsed.repository);
    let item = work.get(repository);
    if (!item) {
      item = { repository, manifests: [], blobs: [], base: [], tags: [] };
      work.set(repository, item);
    }
    if (parsed.tag !== undefined) item.tags.push({ tag: parsed.tag, descriptor: entry.descriptor, reference: entry.reference });
    return item;
  };
  for (const entry of archive.entries) {
    // Statements and their signatures go in only for the channel being moved, after verification.
    if (!carried(entry, options.statement)) continue;
    const item = forRepository(entry);
    const seen = new Set([...item.manifests, ...item.blobs, ...item.base].map((d) => d.digest));
    const visit = (descriptor: Descriptor, isManifest: boolean) => {
      if (seen.has(descriptor.digest)) return;
      seen.add(descriptor.digest);
      if (archive.baseContent.has(descriptor.digest)) {
        item.base.push({ ...descriptor, ...(isManifest ? { annotations: { manifest: "true" } } : {}) });
        return;
      }
      const manifest = archive.manifests.get(descriptor.digest);
      if (isManifest && manifest) {
        // An index's children are manifests; a manifest's are its config and layers.
        for (const child of manifest.children) visit(child, manifest.index);
        item.manifests.push(manifest.descriptor);
      } else {
        item.blobs.push(descriptor);
      }
    };
    visit(entry.descriptor, true);
  }

  // A delta needs its base at the destination: checked for every repository before any write.
  for (const item of work.values()) {
    for (const descriptor of item.base) {
      const present = descriptor.annotations?.manifest ? await target.hasManifest(item.repository, descriptor.digest) : await target.hasBlob(item.repository, descriptor.digest);
      if (!present) {
        throw new UserError(
          `${archive.file} is a delta of release ${archive.release ?? "?"} on top of ${archive.since ?? "?"}: ${target.location} lacks ${descriptor.digest} in ${item.repository}, which the ${archive.since ?? "base"} archive holds. Import the ${archive.since ?? "base"} archive first; nothing was imported`,
        );
      }
    }
  }

  const total = [...work.values()].reduce((sum, item) => sum + item.blobs.reduce((s, d) => s + d.size, 0), 0);
  const progress = new ByteProgress({ total, write: options.progress ?? (() => {}), terminal: options.terminal ?? false, ...(options.now ? { now: options.now } : {}) });
  let blobsSent = 0;
  let bytesSent = 0;
  let blobsPresent = 0;
  let blobsMounted = 0;
  const upload = async (repository: string, descriptor: Descriptor) => {
    let last = 0;
    const source = verifiedStream(streamRange(archive.file, archive.blobs.get(descriptor.digest)!, UPLOAD_CHUNK_BYTES), descriptor, `blob ${descriptor.digest} of ${archive.file}`);
    await target.pushBlob(repository, descriptor, source, (sent) => {
      progress.add(sent - last);
      last = sent;
    });
    progress.add(descriptor.size - last);
    blobsSent++;
    bytesSent += descriptor.size;
  };
  // Each digest travels once: the first repository needing it uploads it (or finds it there);
  // every other repository then mounts it from there, sending no bytes (skopeo does the same with
  // its blob cache), and uploads only where the registry declines the mount. Up to
  // BLOB_CONCURRENCY blobs are under way at once (HEADs, mounts and uploads alike).
  const holders = new Map<string, { promise: Promise<string>; resolve: (repository: string) => void; reject: (error: unknown) => void }>();
  const firsts: BlobTask[] = [];
  const others: BlobTask[] = [];
  for (const item of work.values()) {
    for (const descriptor of item.blobs) {
      if (holders.has(descriptor.digest)) {
        others.push({ repository: item.repository, descriptor, first: false });
        continue;
      }
      let resolve!: (repository: string) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
      // A failed first upload fails the import through the pool; the repositories waiting on it need not hear of it.
      promise.catch(() => {});
      holders.set(descriptor.digest, { promise, resolve, reject });
      firsts.push({ repository: item.repository, descriptor, first: true });
    }
  }
  await forEachBounded([...firsts, ...others], BLOB_CONCURRENCY, async ({ repository, descriptor, first }) => {
    const holder = holders.get(descriptor.digest)!;
    try {
      if (!first && (await target.mountBlob(repository, descriptor, await holder.promise))) {
        blobsMounted++;
        progress.add(descriptor.size);
        return;
      }
      if (await target.hasBlob(repository, descriptor.digest)) {
        blobsPresent++;
        progress.add(descriptor.size);
      } else {
        await upload(repository, descriptor);
      }
      if (first) holder.resolve(repository);
    } catch (error) {
      if (first) holder.reject(error);
      throw error;
    }
  });
  // Manifests by digest, children before the indexes naming them within a repository; the
  // repositories are independent of each other, so several go at once.
  let manifests = 0;
  await forEachBounded([...work.values()], BLOB_CONCURRENCY, async (item) => {
    for (const descriptor of item.manifests) {
      const manifest = archive.manifests.get(descriptor.digest)!;
      await target.pushManifest(item.repository, manifest.bytes, manifest.descriptor.mediaType, descriptor.digest);
      manifests++;
    }
  });
  // Tags once every manifest is in: signature tags and image/chart tags, then the config bundle's,
  // then the release's version tags. Within a rank the repositories go at once, each repository's
  // tags in the archive's order.
  const tags: string[] = [];
  const ordered = [...work.values()].flatMap((item) => item.tags.map((tag) => ({ ...tag, repository: item.repository })));
  const rank = (repository: string) => (repository.endsWith(CHANNELS_REPOSITORY) ? 3 : repository.endsWith(RELEASE_REPOSITORY) ? 2 : repository.endsWith(CONFIG_REPOSITORY) ? 1 : 0);
  ordered.sort((a, b) => rank(a.repository) - rank(b.repository));
  // A delta's unchanged tag has no manifest in the archive: it is already there, and so is its content.
  const pushed = ordered.filter((tag) => archive.manifests.has(tag.descriptor.digest));
  for (const level of [...new Set(pushed.map((tag) => rank(tag.repository)))]) {
    const repositories = new Map<string, typeof pushed>();
    for (const tag of pushed.filter((candidate) => rank(candidate.repository) === level)) repositories.set(tag.repository, [...(repositories.get(tag.repository) ?? []), tag]);
    await forEachBounded([...repositories.values()], BLOB_CONCURRENCY, async (list) => {
      for (const tag of list) {
        const manifest = archive.manifests.get(tag.descriptor.digest)!;
        await target.pushManifest(tag.repository, manifest.bytes, manifest.descriptor.mediaType, tag.tag);
      }
    });
  }
  tags.push(...pushed.map((tag) => `${tag.repository}:${tag.tag}`));
  if (options.channel !== undefined) {
    const release = archive.entries.find((entry) => entry.role === "release");
    if (release === undefined) throw new UserError(`${archive.file} holds no release artifact to point channel ${options.channel} at`);
    const repository = target.repositoryFor(undefined, RELEASE_REPOSITORY);
    const manifest = archive.manifests.get(release.descriptor.digest);
    if (manifest) {
      await target.pushManifest(repository, manifest.bytes, manifest.descriptor.mediaType, options.channel);
      tags.push(`${repository}:${options.channel}`);
    }
    if (options.statement) {
      // The statement's channel tag after the release's, as publish and promote order them.
      const statements = target.repositoryFor(undefined, CHANNELS_REPOSITORY);
      const statement = archive.manifests.get(options.statement.descriptor.digest)!;
      await target.pushManifest(statements, statement.bytes, statement.descriptor.mediaType, options.channel);
      tags.push(`${statements}:${options.channel}`);
    }
  }
  return { blobsSent, bytesSent, blobsPresent, blobsMounted, manifests, tags };
}

/**
 * The archive's bytes as they are read again for the upload, hashed on the way: the archive was
 * verified, but the file may have changed since. A mismatch throws before the stream ends, so the
 * uploader never sends the closing PUT that would commit the blob.
 */
async function* verifiedStream(source: AsyncIterable<Uint8Array>, descriptor: Descriptor, what: string): AsyncIterable<Uint8Array> {
  const hash = createHash("sha256");
  let read = 0;
  for await (const chunk of source) {
    read += chunk.byteLength;
    if (read > descriptor.size) throw new DigestMismatchError(`${what} (changed since it was verified)`, descriptor, { size: read });
    hash.update(chunk);
    yield chunk;
  }
  const actual = `sha256:${hash.digest("hex")}`;
  if (read !== descriptor.size || actual !== descriptor.digest) throw new DigestMismatchError(`${what} (changed since it was verified)`, descriptor, { digest: actual, size: read });
}

/** Is `entry` imported? Everything but the statements repository's entries other than `statement` and its signatures. */
export function carried(entry: ArchiveEntry, statement: ArchiveEntry | undefined): boolean {
  const parsed = parseArchiveReference(entry.reference);
  if (parsed.host !== undefined || parsed.repository !== CHANNELS_REPOSITORY) return entry.role !== "statement";
  if (statement === undefined) return false;
  return entry.reference === statement.reference || (entry.role === "signature" && (parsed.tag === signatureTag(statement.descriptor.digest) || parsed.tag === referrersTag(statement.descriptor.digest)));
}
