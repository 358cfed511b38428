import { heldForLater } from "../held-promise.js";
import { parseImageManifest } from "./image-manifest.js";
import type { ContentRepository, Descriptor } from "./types.js";

/** What a copy did, for progress and reports. */
export interface CopyReport {
  readonly manifest: Descriptor;
  readonly blobsUploaded: number;
  readonly blobsMounted: number;
  readonly blobsSkipped: number;
  readonly bytesUploaded: number;
  /** Every blob the manifest references: all present in the target afterwards (unless a dry run). */
  readonly blobs: readonly Descriptor[];
}

export interface CopyOptions {
  /** Called before each blob or manifest is written. */
  readonly onStep?: (step: { kind: "blob" | "manifest"; digest: string; size: number }) => void;
  /** Write nothing; report what would be uploaded. */
  readonly dryRun?: boolean;
  /**
   * A repository on the target's registry to mount missing blobs from before uploading them
   * (cross-repository mount: no bytes travel), and the blobs it is known to hold: a mount is only
   * tried for those, since a refused mount costs a POST and a DELETE for nothing. Ignored by
   * targets that cannot mount.
   */
  readonly mountFrom?: {
    readonly repository: string;
    readonly digests: ReadonlySet<string>;
    /**
     * For a source repository still being written: settles once `digest` is stored there (or its
     * copy ended without it), and the mount is tried only then.
     */
    readonly stored?: (digest: string) => Promise<void>;
  };
  /** Called once each blob is in the target (uploaded, mounted or found there; in a dry run, once it was checked). */
  readonly onBlobStored?: (digest: string) => void;
  /**
   * Awaited after the blobs and before the manifest is written: a copy that must not store its
   * manifest before another copy's (which it may depend on) waits for it here, and fails with it.
   */
  readonly beforeManifest?: () => Promise<void>;
  /**
   * How many of the artifact's blobs may be checked and uploaded at once (default 1). A registry
   * takes independent blobs in parallel, each an exchange of a few round trips; a layout target
   * should keep 1, since its first blob creates the layout's skeleton.
   */
  readonly blobConcurrency?: number;
}

/** A target that can link a blob from another repository of the same registry. */
interface MountingRepository {
  mountBlob(descriptor: Descriptor, fromRepository: string): Promise<boolean>;
}

function canMount(repository: ContentRepository): repository is ContentRepository & MountingRepository {
  return typeof (repository as Partial<MountingRepository>).mountBlob === "function";
}

/** A mount is only a shortcut: any refusal (no access to the source, no mount support) means upload instead. */
async function tryMount(target: MountingRepository, blob: Descriptor, from: string): Promise<boolean> {
  try {
    return await target.mountBlob(blob, from);
  } catch {
    return false;
  }
}

/**
 * Copies one image manifest and every blob it references from `source` to `target`, blobs first
 * and the manifest last, by digest (no tag moves here). Blobs the target already has are skipped.
 */
export async function copyArtifact(source: ContentRepository, target: ContentRepository, digest: string, options: CopyOptions = {}): Promise<CopyReport> {
  const fetched = await source.fetchManifest(digest);
  const manifest = parseImageManifest(fetched.bytes, `${source.location}@${digest}`);
  let blobsUploaded = 0;
  let blobsMounted = 0;
  let blobsSkipped = 0;
  let bytesUploaded = 0;
  const copyBlob = async (blob: Descriptor) => {
    if (await target.hasBlob(blob.digest)) {
      blobsSkipped++;
      return;
    }
    const mountable = options.mountFrom?.digests.has(blob.digest) === true;
    if (!options.dryRun && mountable && canMount(target)) {
      await options.mountFrom!.stored?.(blob.digest);
      if (await tryMount(target, blob, options.mountFrom!.repository)) {
        blobsMounted++;
        return;
      }
    }
    options.onStep?.({ kind: "blob", digest: blob.digest, size: blob.size });
    blobsUploaded++;
    bytesUploaded += blob.size;
    // Just found absent: the target need not ask again before uploading.
    if (!options.dryRun) await target.pushBlob(blob, await source.fetchBlob(blob.digest, blob.size), { knownAbsent: true });
  };
  const copyAndReport = async (blob: Descriptor) => {
    await copyBlob(blob);
    options.onBlobStored?.(blob.digest);
  };
  // Every blob is in place before the manifest goes up (the target refuses it otherwise); blobs
  // are independent of each other, so up to blobConcurrency of them travel at once. The first
  // failure fails the copy once the blobs under way have settled.
  const blobs = [manifest.config, ...manifest.layers];
  const concurrency = Math.max(1, Math.floor(options.blobConcurrency ?? 1));
  // A target that takes requests in parallel is asked for the manifest alongside the blobs (one
  // round trip less): the answer is only used once every blob is in place.
  const manifestLookup = concurrency > 1 ? heldForLater(target.resolve(digest)) : undefined;
  let next = 0;
  const worker = async () => {
    while (next < blobs.length) await copyAndReport(blobs[next++]!);
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, blobs.length) }, worker));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed) throw failed.reason;
  const existing = await (manifestLookup ?? target.resolve(digest));
  await options.beforeManifest?.();
  if (!existing) {
    options.onStep?.({ kind: "manifest", digest, size: fetched.bytes.byteLength });
    bytesUploaded += fetched.bytes.byteLength;
    if (!options.dryRun) await target.pushManifest(fetched.bytes, fetched.descriptor.mediaType, digest);
  }
  return { manifest: fetched.descriptor, blobsUploaded, blobsMounted, blobsSkipped, bytesUploaded, blobs: [manifest.config, ...manifest.layers] };
}
