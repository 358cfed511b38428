import { UserError } from "../errors.js";
import { heldForLater } from "../held-promise.js";
import { TagConflictError } from "../oci/tag-conflict-error.js";
import { copyArtifact, type CopyOptions } from "../oci/copy-artifact.js";
import { parseImageManifest } from "../oci/image-manifest.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import type { StatementPlan, WrittenStatement } from "./channel-statements.js";
import type { ArtifactSignature, ArtifactSigner } from "./release-signatures.js";
import type { ReleaseStore } from "./release-store.js";
import { assertTagHolds } from "./tag-read-back.js";
import type { StagedRelease } from "./staged-release.js";

export interface PublishOptions {
  readonly channels?: readonly string[];
  readonly dryRun?: boolean;
  readonly progress?: (message: string) => void;
  /** Signs both artifacts after their manifests are stored and before any version or channel tag moves. */
  readonly signer?: ArtifactSigner;
  /** What `assertPublishable` found for this release and store just before: its tags are not asked again. */
  readonly checked?: PublishCheck;
  /** The channel statements written with each channel move (signed by `signer`). */
  readonly statements?: { readonly rollback?: boolean; readonly now?: number; readonly ttlMs?: number };
}

/** The state of a release's two version tags in a store, as `assertPublishable` found it. */
export interface PublishCheck {
  readonly config: "absent" | "same";
  readonly release: "absent" | "same";
}

export interface PublishReport {
  readonly version: string;
  readonly target: string;
  readonly alreadyPublished: boolean;
  readonly dryRun: boolean;
  readonly configBundle: { readonly reference: string; readonly digest: string };
  readonly releaseArtifact: { readonly reference: string; readonly digest: string };
  readonly channels: readonly { readonly channel: string; readonly reference: string; readonly previous?: string; readonly statement?: WrittenStatement }[];
  readonly blobsUploaded: number;
  readonly blobsMounted: number;
  readonly blobsSkipped: number;
  readonly bytesUploaded: number;
  /** With a signer: each artifact's signature and whether it was pushed (false: already there). */
  readonly signatures?: readonly ArtifactSignature[];
}

/** Version tags never move: the same digest means published, another digest means refused. */
async function versionState(repository: ContentRepository, version: string, expected: Descriptor, what: string, lookup?: Promise<Descriptor | undefined>): Promise<"absent" | "same"> {
  const existing = await (lookup ?? repository.resolve(version));
  if (!existing) return "absent";
  if (existing.digest === expected.digest) return "same";
  throw new UserError(
    `${repository.location}:${version} is already published as ${existing.digest}, but this ${what} is ${expected.digest}. ` +
      `Version tags are immutable: give the changed release a new version.`,
  );
}

/** What the store's two version tags of one release name, asked for ahead of time by {@link lookUpVersionTags}. */
export interface VersionTagLookups {
  readonly config: Promise<Descriptor | undefined>;
  readonly release: Promise<Descriptor | undefined>;
}

/**
 * Asks the store for a version's two tags now, so that the answers arrive while the caller does
 * local work; read them with {@link assertPublishable}. A failure is held until then (never an
 * unhandled rejection), so local refusals are still reported first.
 */
export function lookUpVersionTags(store: ReleaseStore, version: string): VersionTagLookups {
  return { config: heldForLater(store.config.resolve(version)), release: heldForLater(store.release.resolve(version)) };
}

/** Throws unless `staged` can be published to `store`: its version tags are absent or already hold exactly it. */
export async function assertPublishable(staged: StagedRelease, store: ReleaseStore, lookups?: VersionTagLookups): Promise<PublishCheck> {
  // Two independent questions, asked at once; a refusal of the config bundle is reported first, as before.
  const [config, release] = await inOrder([
    versionState(store.config, staged.version, staged.bundle, "config bundle", lookups?.config),
    versionState(store.release, staged.version, staged.releaseArtifact, "release manifest", lookups?.release),
  ]);
  return { config: config!, release: release! };
}

/** Awaits every promise, then throws the first failure in the given order (not in the order they failed), so messages do not depend on timing. */
async function inOrder<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

type ArtifactCopy = (
  source: ContentRepository,
  target: ContentRepository,
  digest: string,
  what: string,
  more?: Omit<CopyOptions, "onStep" | "dryRun" | "blobConcurrency">,
) => Promise<{ readonly blobs: readonly Descriptor[] }>;

/**
 * The bundle and the release artifact copied to a registry at the same time, in the order that
 * matters: a blob both share (the empty JSON) is mounted from the bundle's repository once the
 * bundle's copy has stored it, and the release manifest is written only after the bundle's
 * manifest (a failed bundle fails the release copy before its manifest). Half the round trips of
 * one copy after the other.
 */
async function copyBothAtOnce(staged: StagedRelease, store: ReleaseStore, configRepositoryName: string, copy: ArtifactCopy): Promise<void> {
  const bundleManifest = parseImageManifest((await staged.config.fetchManifest(staged.bundle.digest)).bytes, `${staged.config.location}@${staged.bundle.digest}`);
  const bundleBlobs = new Set([bundleManifest.config, ...bundleManifest.layers].map((blob) => blob.digest));
  const arrived = new Map<string, () => void>();
  const stored = new Map([...bundleBlobs].map((digest) => [digest, new Promise<void>((resolve) => arrived.set(digest, resolve))]));
  const bundleCopy = copy(staged.config, store.config, staged.bundle.digest, "config bundle", {
    onBlobStored: (digest) => arrived.get(digest)?.(),
  });
  // However the bundle's copy ends, nothing waits for its blobs any longer (a mount then fails and the blob is uploaded).
  const releaseWaiters = () => {
    for (const resolve of arrived.values()) resolve();
  };
  bundleCopy.then(releaseWaiters, releaseWaiters);
  const releaseCopy = copy(staged.release, store.release, staged.releaseArtifact.digest, "release manifest", {
    mountFrom: { repository: configRepositoryName, digests: bundleBlobs, stored: (digest) => stored.get(digest) ?? Promise.resolve() },
    beforeManifest: async () => {
      await bundleCopy;
    },
  });
  await inOrder<unknown>([bundleCopy, releaseCopy]);
}

/**
 * Publishes a staged release. Order: bundle blobs and manifest, release blobs and manifest (all by
 * digest), then the version tags, then channel tags last, so a tag never points at anything incomplete.
 */
export async function publishRelease(staged: StagedRelease, store: ReleaseStore, options: PublishOptions = {}): Promise<PublishReport> {
  const publish = () => publishUnbatched(staged, store, options);
  return store.batch ? store.batch(publish) : publish();
}

async function publishUnbatched(staged: StagedRelease, store: ReleaseStore, options: PublishOptions): Promise<PublishReport> {
  const progress = options.progress ?? (() => {});
  const dryRun = options.dryRun ?? false;
  // The store's check goes out with the version-tag questions; its failure, the clearer message, wins.
  const [, publishable] = await inOrder<PublishCheck | void>([store.check(), options.checked ? Promise.resolve(options.checked) : assertPublishable(staged, store)]);
  const { config: configState, release: releaseState } = publishable as PublishCheck;
  const alreadyPublished = configState === "same" && releaseState === "same";
  // Each channel's next statement is planned before anything is uploaded: a move back without
  // rollback is refused with nothing pushed. Channel statements (their schema and signing) are
  // loaded only by a publish that moves a channel.
  const statements = options.channels?.length ? await import("./channel-statements.js") : undefined;
  const plans = new Map<string, StatementPlan>();
  for (const channel of options.channels ?? []) plans.set(channel, await statements!.planStatement(store, channel, staged.version, options.statements?.rollback ?? false));

  let blobsUploaded = 0;
  let blobsMounted = 0;
  let blobsSkipped = 0;
  let bytesUploaded = 0;
  const copy = async (source: ContentRepository, target: ContentRepository, digest: string, what: string, more: Omit<CopyOptions, "onStep" | "dryRun" | "blobConcurrency"> = {}) => {
    const onStep: CopyOptions["onStep"] = (step) => progress(`${dryRun ? "would upload" : "uploading"} ${what} ${step.kind} ${step.digest.slice(0, 19)} (${step.size} bytes)`);
    const report = await copyArtifact(source, target, digest, { onStep, dryRun, blobConcurrency: store.blobConcurrency, ...more });
    blobsUploaded += report.blobsUploaded;
    blobsMounted += report.blobsMounted;
    blobsSkipped += report.blobsSkipped;
    bytesUploaded += report.bytesUploaded;
    return report;
  };

  if (!alreadyPublished) {
    if (store.blobConcurrency > 1 && store.configRepositoryName) {
      await copyBothAtOnce(staged, store, store.configRepositoryName, copy);
    } else {
      const bundle = await copy(staged.config, store.config, staged.bundle.digest, "config bundle");
      // Blobs both artifacts share (the empty JSON) are mounted from the bundle's repository, not re-sent;
      // only those are tried, since the bundle's repository is known to hold exactly the bundle's blobs.
      const mountFrom = store.configRepositoryName ? { repository: store.configRepositoryName, digests: new Set(bundle.blobs.map((blob) => blob.digest)) } : undefined;
      await copy(staged.release, store.release, staged.releaseArtifact.digest, "release manifest", mountFrom ? { mountFrom } : {});
    }
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
      progress(`tagging ${staged.version}`);
      const tags = [
        { target: store.config, source: staged.config, descriptor: staged.bundle, state: configState },
        { target: store.release, source: staged.release, descriptor: staged.releaseArtifact, state: releaseState },
      ];
      // A version tag is written only where it is still absent (checked under the lock of a layout,
      // just before the PUT on a registry), then read back: a concurrent publish of other content
      // under the same version makes this one fail, naming the other digest, before any channel moves.
      // One after the other, never at once: a registry has no compare-and-swap for tags, and a rival
      // publish of other content is caught by the check before each PUT and the read-back below only
      // if this publish's tags land in order (written together, a rival's tag could land after this
      // publish had read both back: the concurrent-writers race test caught it).
      for (const { target, source, descriptor, state } of tags) {
        if (state === "same") continue;
        const { bytes } = await source.fetchManifest(descriptor.digest);
        await target.pushManifest(bytes, descriptor.mediaType, staged.version, { ifTagIs: null });
      }
      await inOrder(tags.map(({ target, descriptor }) => assertTagHolds(target, staged.version, descriptor.digest)));
    }
  }

  const channels = [];
  for (const channel of options.channels ?? []) {
    const previous = await store.release.resolve(channel);
    if (!dryRun && previous?.digest !== staged.releaseArtifact.digest) {
      progress(`moving channel ${channel}`);
      const { bytes } = await staged.release.fetchManifest(staged.releaseArtifact.digest);
      await store.release.pushManifest(bytes, staged.releaseArtifact.mediaType, channel, { ifTagIs: previous?.digest ?? null });
      await assertTagHolds(store.release, channel, staged.releaseArtifact.digest);
    }
    let statement: WrittenStatement | undefined;
    if (!dryRun) {
      progress(`writing channel statement #${plans.get(channel)!.sequence} for ${channel}`);
      try {
        statement = await statements!.writeStatement(store, plans.get(channel)!, { version: staged.version, digest: staged.releaseArtifact.digest }, {
          now: options.statements?.now ?? Date.now(),
          ...(options.statements?.ttlMs ? { ttlMs: options.statements.ttlMs } : {}),
          ...(options.signer ? { signer: options.signer } : {}),
        });
      } catch (error) {
        if (error instanceof TagConflictError) throw error;
        throw new UserError(
          `${channel} now points at ${staged.version}, but its channel statement could not be written: ${error instanceof Error ? error.message : String(error)}\n` +
            `Appliances that check statements refuse the channel until one is: run npm run promote -- --channel ${channel} --release ${staged.version} (the tag is already in place).`,
        );
      }
    }
    channels.push({ channel, reference: `${store.release.location}:${channel}`, ...(previous ? { previous: previous.digest } : {}), ...(statement ? { statement } : {}) });
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
