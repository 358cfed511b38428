import { UserError } from "../errors.js";
import { copyArtifact, type CopyOptions } from "../oci/copy-artifact.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import type { ArtifactSignature, ArtifactSigner } from "./release-signatures.js";
import type { ReleaseStore } from "./release-store.js";
import type { StagedRelease } from "./staged-release.js";

export interface PublishOptions {
  readonly channels?: readonly string[];
  readonly dryRun?: boolean;
  readonly progress?: (message: string) => void;
  /** Signs both artifacts after their manifests are stored and before any version or channel tag moves. */
  readonly signer?: ArtifactSigner;
}

export interface PublishReport {
  readonly version: string;
  readonly target: string;
  readonly alreadyPublished: boolean;
  readonly dryRun: boolean;
  readonly configBundle: { readonly reference: string; readonly digest: string };
  readonly releaseArtifact: { readonly reference: string; readonly digest: string };
  readonly channels: readonly { readonly channel: string; readonly reference: string; readonly previous?: string }[];
  readonly blobsUploaded: number;
  readonly blobsMounted: number;
  readonly blobsSkipped: number;
  readonly bytesUploaded: number;
  /** With a signer: each artifact's signature and whether it was pushed (false: already there). */
  readonly signatures?: readonly ArtifactSignature[];
}

/** Version tags never move: the same digest means published, another digest means refused. */
async function versionState(repository: ContentRepository, version: string, expected: Descriptor, what: string): Promise<"absent" | "same"> {
  const existing = await repository.resolve(version);
  if (!existing) return "absent";
  if (existing.digest === expected.digest) return "same";
  throw new UserError(
    `${repository.location}:${version} is already published as ${existing.digest}, but this ${what} is ${expected.digest}. ` +
      `Version tags are immutable: give the changed release a new version.`,
  );
}

/** Throws unless `staged` can be published to `store`: its version tags are absent or already hold exactly it. */
export async function assertPublishable(staged: StagedRelease, store: ReleaseStore): Promise<void> {
  await versionState(store.config, staged.version, staged.bundle, "config bundle");
  await versionState(store.release, staged.version, staged.releaseArtifact, "release manifest");
}

/**
 * Publishes a staged release. Order: bundle blobs and manifest, release blobs and manifest (all by
 * digest), then the version tags, then channel tags last, so a tag never points at anything incomplete.
 */
export async function publishRelease(staged: StagedRelease, store: ReleaseStore, options: PublishOptions = {}): Promise<PublishReport> {
  const progress = options.progress ?? (() => {});
  const dryRun = options.dryRun ?? false;
  await store.check();
  const configState = await versionState(store.config, staged.version, staged.bundle, "config bundle");
  const releaseState = await versionState(store.release, staged.version, staged.releaseArtifact, "release manifest");
  const alreadyPublished = configState === "same" && releaseState === "same";

  let blobsUploaded = 0;
  let blobsMounted = 0;
  let blobsSkipped = 0;
  let bytesUploaded = 0;
  const copy = async (source: ContentRepository, target: ContentRepository, digest: string, what: string, mountFrom?: string) => {
    const onStep: CopyOptions["onStep"] = (step) => progress(`${dryRun ? "would upload" : "uploading"} ${what} ${step.kind} ${step.digest.slice(0, 19)} (${step.size} bytes)`);
    const report = await copyArtifact(source, target, digest, { onStep, dryRun, ...(mountFrom ? { mountFrom } : {}) });
    blobsUploaded += report.blobsUploaded;
    blobsMounted += report.blobsMounted;
    blobsSkipped += report.blobsSkipped;
    bytesUploaded += report.bytesUploaded;
  };

  if (!alreadyPublished) {
    await copy(staged.config, store.config, staged.bundle.digest, "config bundle");
    // Blobs both artifacts share (the empty JSON) are mounted from the bundle's repository, not re-sent.
    await copy(staged.release, store.release, staged.releaseArtifact.digest, "release manifest", store.configRepositoryName);
  }

  // Signatures go in before any tag names the artifacts, so a tag never points at something unsigned.
  const signatures: ArtifactSignature[] = [];
  if (options.signer && !dryRun) {
    progress("signing");
    signatures.push(...(await options.signer("config", store.config, staged.bundle.digest)));
    signatures.push(...(await options.signer("release", store.release, staged.releaseArtifact.digest)));
  }

  if (!alreadyPublished) {
    if (!dryRun) {
      const tag = async (target: ContentRepository, source: ContentRepository, descriptor: Descriptor) => {
        const { bytes } = await source.fetchManifest(descriptor.digest);
        await target.pushManifest(bytes, descriptor.mediaType, staged.version);
      };
      progress(`tagging ${staged.version}`);
      await tag(store.config, staged.config, staged.bundle);
      await tag(store.release, staged.release, staged.releaseArtifact);
    }
  }

  const channels = [];
  for (const channel of options.channels ?? []) {
    const previous = await store.release.resolve(channel);
    if (!dryRun && previous?.digest !== staged.releaseArtifact.digest) {
      progress(`moving channel ${channel}`);
      const { bytes } = await staged.release.fetchManifest(staged.releaseArtifact.digest);
      await store.release.pushManifest(bytes, staged.releaseArtifact.mediaType, channel);
    }
    channels.push({ channel, reference: `${store.release.location}:${channel}`, ...(previous ? { previous: previous.digest } : {}) });
  }

  return {
    version: staged.version,
    target: store.location,
    alreadyPublished,
    dryRun,
    configBundle: { reference: `${store.config.location}:${staged.version}`, digest: staged.bundle.digest },
    releaseArtifact: { reference: `${store.release.location}:${staged.version}`, digest: staged.releaseArtifact.digest },
    channels,
    blobsUploaded,
    blobsMounted,
    blobsSkipped,
    bytesUploaded,
    ...(options.signer ? { signatures } : {}),
  };
}
