import { UserError } from "../errors.js";
import { TagConflictError } from "../oci/tag-conflict-error.js";
import { parseImageManifest } from "../oci/image-manifest.js";
import { assertWithinCeiling, MAX_CONFIG_BYTES, MAX_LAYER_BYTES } from "../oci/limits.js";
import type { ContentRepository } from "../oci/types.js";
import { isCosignTag } from "../signing/cosign-format.js";
import { planStatement, writeStatement, type WrittenStatement } from "./channel-statements.js";
import type { ArtifactSigner } from "./release-signatures.js";
import type { ReleaseStore } from "./release-store.js";
import { assertTagHolds } from "./tag-read-back.js";
import { resolveRelease, type ResolvedRelease } from "./resolve-release.js";

/** Channel tags start with a letter; version tags with a digit (enforced by the schemas). */
function isChannelTag(tag: string): boolean {
  // cosign's `sha256-<hex>.sig` and referrers-tag `sha256-<hex>` tags start with a letter too, but are never channels.
  return /^[a-zA-Z]/.test(tag) && !isCosignTag(tag);
}

function isVersionTag(tag: string): boolean {
  return /^[0-9]/.test(tag);
}

/** Fetches (and so verifies against its digest) every blob a manifest references. */
async function fetchEveryBlob(repository: ContentRepository, manifestBytes: Uint8Array, what: string): Promise<void> {
  const manifest = parseImageManifest(manifestBytes, what);
  assertWithinCeiling(manifest.config, MAX_CONFIG_BYTES, `${what}: config blob`);
  for (const layer of manifest.layers) assertWithinCeiling(layer, MAX_LAYER_BYTES, `${what}: layer`);
  for (const blob of [manifest.config, ...manifest.layers]) await repository.fetchBlob(blob.digest, blob.size);
}

export interface PromoteReport {
  readonly channel: string;
  readonly version: string;
  readonly digest: string;
  readonly previous?: { readonly digest: string; readonly version?: string };
  readonly moved: boolean;
  /** The channel statement written for this move. */
  readonly statement: WrittenStatement;
}

export interface PromoteOptions {
  /** Refuses the release (throws) before the channel moves, e.g. when its signatures do not verify. */
  readonly verify?: (release: ResolvedRelease) => Promise<void>;
  /** The vendor moves the channel back on purpose: the statement says `rollback: true`. */
  readonly rollback?: boolean;
  /** Signs the channel statement (and nothing else). */
  readonly signer?: ArtifactSigner;
  /** The statement's issued-at, in ms since the epoch (default: now). */
  readonly now?: number;
  /** How long the statement holds (default 30 days). */
  readonly statementTtlMs?: number;
}

/**
 * Points `channel` at a published version (also a rollback). The tag moves only after the release
 * manifest validates and its bundle manifest and every bundle blob are present and verified (and,
 * with `options.verify`, its signatures: a refused release leaves the channel where it was).
 */
export async function promoteChannel(
  store: ReleaseStore,
  channel: string,
  version: string,
  progress: (message: string) => void = () => {},
  options: PromoteOptions = {},
): Promise<PromoteReport> {
  await store.check();
  progress(`verifying ${store.release.location}:${version}`);
  const release = await resolveRelease(store, version);
  if (options.verify) await options.verify(release);
  // Download and verify every blob of both artifacts: a channel must never point at something that cannot be pulled.
  await fetchEveryBlob(store.release, release.artifact.bytes, release.reference);
  await fetchEveryBlob(store.config, release.bundle.bytes, release.reference);
  // The statement is planned before anything moves: a move back without --rollback is refused here.
  const plan = await planStatement(store, channel, release.manifest.version, options.rollback ?? false);
  const previous = await store.release.resolve(channel);
  const moved = previous?.digest !== release.artifact.descriptor.digest;
  // Named before the tag moves, from the previous release itself: once the channel has moved,
  // nothing but the read-back may fail, so a report never hides that the move happened.
  const previousVersion = previous && moved ? await versionOfRelease(store, previous.digest) : previous ? version : undefined;
  if (moved) {
    progress(`moving ${channel}`);
    // The channel must still hold what we saw (a layout checks under its lock, a registry just
    // before the PUT), and is read back after: of two promotes at once, the loser learns it lost.
    await store.release.pushManifest(release.artifact.bytes, release.artifact.descriptor.mediaType, channel, { ifTagIs: previous?.digest ?? null });
    await assertTagHolds(store.release, channel, release.artifact.descriptor.digest);
  }
  // Also when the tag did not move: a fresh statement renews the channel before the last one expires.
  progress(`writing channel statement #${plan.sequence}`);
  let statement: WrittenStatement;
  try {
    statement = await writeStatement(store, plan, { version: release.manifest.version, digest: release.artifact.descriptor.digest }, {
      now: options.now ?? Date.now(),
      ...(options.statementTtlMs ? { ttlMs: options.statementTtlMs } : {}),
      ...(options.signer ? { signer: options.signer } : {}),
    });
  } catch (error) {
    if (error instanceof TagConflictError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new UserError(
      `${channel} ${moved ? "now points at" : "already pointed at"} ${release.manifest.version}, but its channel statement could not be written: ${message}\n` +
        `Appliances that check statements refuse the channel until one is: run promote again (the tag is already in place).`,
    );
  }
  return {
    channel,
    version,
    digest: release.artifact.descriptor.digest,
    ...(previous ? { previous: { digest: previous.digest, ...(previousVersion ? { version: previousVersion } : {}) } } : {}),
    moved,
    statement,
  };
}

/**
 * The version of the release at `digest`, for a report; undefined when it cannot be read (it is
 * not a release, or the registry fails): naming the previous release is never worth a failure.
 */
async function versionOfRelease(store: ReleaseStore, digest: string): Promise<string | undefined> {
  try {
    return (await resolveRelease(store, digest)).manifest.version;
  } catch {
    return undefined;
  }
}

export interface ChannelListing {
  readonly channels: readonly { readonly channel: string; readonly digest: string; readonly version?: string }[];
  /** Version tag by release-artifact digest. */
  readonly versions: Readonly<Record<string, string>>;
}

/** Which version each channel tag points at. */
export async function listChannels(store: ReleaseStore): Promise<ChannelListing> {
  const tags = await store.release.listTags();
  const versions: Record<string, string> = {};
  const channels = [];
  for (const tag of tags.filter(isVersionTag)) {
    const descriptor = await store.release.resolve(tag);
    if (descriptor) versions[descriptor.digest] = tag;
  }
  for (const tag of tags.filter(isChannelTag)) {
    const descriptor = await store.release.resolve(tag);
    if (descriptor) channels.push({ channel: tag, digest: descriptor.digest, ...(versions[descriptor.digest] ? { version: versions[descriptor.digest] } : {}) });
  }
  return { channels, versions };
}
