import { UserError } from "../errors.js";
import type { ReleaseStore } from "./release-store.js";
import { resolveRelease } from "./resolve-release.js";

/** Channel tags start with a letter; version tags with a digit (enforced by the schemas). */
export function isChannelTag(tag: string): boolean {
  return /^[a-zA-Z_]/.test(tag);
}

export interface PromoteReport {
  readonly channel: string;
  readonly version: string;
  readonly digest: string;
  readonly previous?: { readonly digest: string; readonly version?: string };
  readonly moved: boolean;
}

/**
 * Points `channel` at a published version (also a rollback). The tag moves only after the release
 * manifest validates and its bundle manifest and every bundle blob are present and verified.
 */
export async function promoteChannel(store: ReleaseStore, channel: string, version: string, progress: (message: string) => void = () => {}): Promise<PromoteReport> {
  await store.check();
  progress(`verifying ${store.release.location}:${version}`);
  const release = await resolveRelease(store, version);
  if (release.manifest.version !== version) {
    throw new UserError(`${release.reference}: the manifest says version ${release.manifest.version}; refusing to promote a mislabelled release`);
  }
  // Download and verify the layer too: a channel must never point at a bundle that cannot be pulled.
  await store.config.fetchBlob(release.bundleLayer.digest, release.bundleLayer.size);
  const previous = await store.release.resolve(channel);
  const moved = previous?.digest !== release.artifact.descriptor.digest;
  if (moved) {
    progress(`moving ${channel}`);
    await store.release.pushManifest(release.artifact.bytes, release.artifact.descriptor.mediaType, channel);
  }
  const previousVersion = previous ? (await listChannels(store)).versions[previous.digest] : undefined;
  return {
    channel,
    version,
    digest: release.artifact.descriptor.digest,
    ...(previous ? { previous: { digest: previous.digest, ...(previousVersion ? { version: previousVersion } : {}) } } : {}),
    moved,
  };
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
  for (const tag of tags.filter((t) => !isChannelTag(t))) {
    const descriptor = await store.release.resolve(tag);
    if (descriptor) versions[descriptor.digest] = tag;
  }
  for (const tag of tags.filter(isChannelTag)) {
    const descriptor = await store.release.resolve(tag);
    if (descriptor) channels.push({ channel: tag, digest: descriptor.digest, ...(versions[descriptor.digest] ? { version: versions[descriptor.digest] } : {}) });
  }
  return { channels, versions };
}
