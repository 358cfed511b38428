/**
 * What an archive holds, worked out before a byte of a layer is copied: every manifest (fetched
 * and verified, kept in memory: they are small), every config and layer descriptor with the
 * source it streams from, and the index.json entries. The total size printed before copying comes
 * from here, and so does the order of the tar (sorted by digest), which is what makes the archive
 * the same on every machine.
 */
import { CHANNELS_REPOSITORY, CONFIG_REPOSITORY, RELEASE_REPOSITORY } from "../manifest/build-release-manifest.js";
import { historyTag, type StoredStatement } from "../distribution/channel-statements.js";
import type { ResolvedRelease } from "../distribution/resolve-release.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import type { IndexEntry } from "../oci/layout-index.js";
import { assertWithinCeiling, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES } from "../oci/limits.js";
import { DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import { referrersTag } from "../signing/bundle-referrer.js";
import { signatureTag } from "../signing/cosign-format.js";
import type { ArtifactSource } from "./sources.js";
import { archiveIndexEntry } from "./archive-index-entry.js";
import type { ArchiveRole } from "./vocabulary.js";

export const INDEX_TYPES = new Set([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST]);
export const MANIFEST_TYPES = new Set([OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_V2]);

/** One blob of the archive: a manifest (bytes in hand) or a config/layer (streamed from `source`). */
export interface PlannedBlob {
  readonly descriptor: Descriptor;
  readonly bytes?: Uint8Array;
  readonly source?: ArtifactSource;
}

export interface ArchivePlan {
  readonly entries: IndexEntry[];
  readonly blobs: Map<string, PlannedBlob>;
}

export interface PlanOptions {
  /** os/architecture[/variant] to keep from image indexes. */
  readonly platforms: readonly string[];
  readonly layerCeiling: number;
  readonly progress?: (message: string) => void;
}

/** Does `platform` (an index entry's) match one of `wanted` (`os/arch[/variant]`)? */
export function platformMatches(platform: { os?: unknown; architecture?: unknown; variant?: unknown }, wanted: readonly string[]): boolean {
  return wanted.some((want) => {
    const [os, architecture, variant] = want.split("/");
    return platform.os === os && platform.architecture === architecture && (variant === undefined || platform.variant === variant);
  });
}

export class PlanBuilder {
  readonly entries: IndexEntry[] = [];
  readonly blobs = new Map<string, PlannedBlob>();

  constructor(private readonly options: PlanOptions) {}

  plan(): ArchivePlan {
    return { entries: this.entries, blobs: this.blobs };
  }

  /** Adds an index.json entry naming `reference`. */
  name(reference: string, descriptor: Descriptor, role: ArchiveRole): void {
    this.entries.push(archiveIndexEntry(reference, descriptor, role));
  }

  /** Adds the manifest `digest` of `source` and everything it references (image indexes: the chosen platforms). */
  async addManifest(source: ArtifactSource, digest: string, what: string): Promise<Descriptor> {
    const fetched = await source.fetchManifest(digest);
    const { descriptor, bytes } = fetched;
    if (this.blobs.has(digest)) return descriptor;
    assertWithinCeiling(descriptor, MAX_MANIFEST_BYTES, `${what}: manifest`);
    this.blobs.set(digest, { descriptor, bytes });
    let parsed: { manifests?: unknown; config?: unknown; layers?: unknown };
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      throw new InvalidArtifactError(`${what}: manifest ${digest} in ${source.location} is not JSON`);
    }
    if (INDEX_TYPES.has(descriptor.mediaType)) {
      const children = Array.isArray(parsed.manifests) ? (parsed.manifests as Descriptor[]) : [];
      let kept = 0;
      for (const child of children) {
        const platform = (child as { platform?: { os?: unknown; architecture?: unknown } }).platform;
        // Entries without a platform (e.g. signatures in a referrers index) are kept; attestation
        // manifests (platform unknown/unknown) and other platforms are left out.
        if (platform !== undefined && !platformMatches(platform, this.options.platforms)) continue;
        if (typeof child?.digest !== "string") throw new InvalidArtifactError(`${what}: index ${digest} has an entry without a digest`);
        await this.addManifest(source, child.digest, what);
        kept++;
      }
      if (kept === 0 && children.length > 0) {
        throw new InvalidArtifactError(`${what}: index ${digest} in ${source.location} holds none of the platforms ${this.options.platforms.join(", ")}; choose them with --platform`);
      }
    } else if (MANIFEST_TYPES.has(descriptor.mediaType)) {
      const config = parsed.config as Descriptor | undefined;
      const layers = Array.isArray(parsed.layers) ? (parsed.layers as Descriptor[]) : [];
      if (config === undefined || typeof config.digest !== "string") throw new InvalidArtifactError(`${what}: manifest ${digest} in ${source.location} has no config descriptor`);
      assertWithinCeiling(config, MAX_CONFIG_BYTES, `${what}: config`);
      this.addBlob(source, config);
      for (const layer of layers) {
        if (typeof layer?.digest !== "string") throw new InvalidArtifactError(`${what}: manifest ${digest} has a layer without a digest`);
        assertWithinCeiling(layer, this.options.layerCeiling, `${what}: layer (raise the ceiling with --max-layer-size)`);
        this.addBlob(source, layer);
      }
    } else {
      throw new InvalidArtifactError(`${what}: manifest ${digest} in ${source.location} has media type ${descriptor.mediaType}, which an archive cannot carry`);
    }
    return descriptor;
  }

  private addBlob(source: ArtifactSource, descriptor: Descriptor): void {
    if (!this.blobs.has(descriptor.digest)) this.blobs.set(descriptor.digest, { descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }, source });
  }

  /** Adds the cosign signature image and the referrers index of `digest` in `source`, when there are any. */
  async addSignatures(source: ArtifactSource, name: string, digest: string): Promise<void> {
    for (const tag of [signatureTag(digest), referrersTag(digest)]) {
      const descriptor = await source.resolve(tag);
      if (descriptor === undefined) continue;
      const added = await this.addManifest(source, descriptor.digest, `${name}:${tag}`);
      this.name(`${name}:${tag}`, added, "signature");
    }
  }

  /** The release artifact and its config bundle, with their signatures. */
  async addRelease(release: ResolvedRelease, version: string, sources: { release: ArtifactSource; config: ArtifactSource }): Promise<void> {
    const artifact = await this.addManifest(sources.release, release.artifact.descriptor.digest, `release ${version}`);
    this.name(`${RELEASE_REPOSITORY}:${version}`, artifact, "release");
    await this.addSignatures(sources.release, RELEASE_REPOSITORY, artifact.digest);
    const bundle = await this.addManifest(sources.config, release.bundle.descriptor.digest, `config bundle of ${version}`);
    this.name(`${CONFIG_REPOSITORY}:${version}`, bundle, "config");
    await this.addSignatures(sources.config, CONFIG_REPOSITORY, bundle.digest);
  }

  /**
   * A channel's signed statement (already read and checked to name this release), at its history
   * tag, with its signatures: what import needs to move the channel so that pull --verify-key accepts it.
   */
  async addStatement(stored: StoredStatement, source: ArtifactSource): Promise<void> {
    const { channel, sequence } = stored.statement;
    const reference = `${CHANNELS_REPOSITORY}:${historyTag(channel, sequence)}`;
    const descriptor = await this.addManifest(source, stored.descriptor.digest, `channel statement ${reference}`);
    this.name(reference, descriptor, "statement");
    await this.addSignatures(source, CHANNELS_REPOSITORY, descriptor.digest);
  }
}
