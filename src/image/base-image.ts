import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { assertWithinCeiling, MAX_CONFIG_BYTES } from "../oci/limits.js";
import {
  DOCKER_IMAGE_CONFIG,
  DOCKER_IMAGE_LAYER_GZIP,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
  OCI_IMAGE_CONFIG_MEDIA_TYPE,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_LAYER_GZIP,
  OCI_IMAGE_MANIFEST,
} from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { formatPlatform, platformMatches, type Platform } from "./platform.js";

/** The parts of one platform's base image an image is built on: never its layer bytes, only their descriptors. */
export interface BasePlatformImage {
  /** The platform as the base index names it (variant included). */
  readonly platform: Platform;
  readonly manifest: Descriptor;
  /** The base's layers, in order, with OCI media types (Docker's gzip layers are the same bytes). */
  readonly layers: readonly Descriptor[];
  /** The base's image config, parsed (it is extended, never rewritten). */
  readonly config: Record<string, unknown>;
  readonly configDescriptor: Descriptor;
}

export interface BaseImage {
  /** What was resolved: the index (or the single manifest) the base reference pins. */
  readonly descriptor: Descriptor;
  readonly platforms: readonly BasePlatformImage[];
}

/** Layer media types a runtime unpacks as gzip tar; anything else (zstd, foreign layers) is refused. */
const GZIP_LAYERS = new Set([OCI_IMAGE_LAYER_GZIP, DOCKER_IMAGE_LAYER_GZIP]);

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidArtifactError(`${what} is not a JSON object`);
}

function descriptorAt(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== "object" || d === null || typeof d.mediaType !== "string" || typeof d.digest !== "string" || typeof d.size !== "number") {
    throw new InvalidArtifactError(`${what} is not a descriptor (mediaType, digest and size)`);
  }
  return d as Descriptor;
}

/**
 * Reads the base image `digest` from `repository` for each wanted platform: an index's matching
 * manifest (or a single manifest whose config names the platform), its config and layer list.
 * Everything is verified against its digest by the repository; a platform the base lacks is refused.
 */
export async function readBaseImage(repository: ContentRepository, digest: string, wanted: readonly Platform[], name: string): Promise<BaseImage> {
  const top = await repository.fetchManifest(digest);
  const document = parseJson(top.bytes, `base image ${name}`);
  const mediaType = (document["mediaType"] as string | undefined) ?? top.descriptor.mediaType;
  const candidates: { descriptor: Descriptor; platform?: Platform }[] = [];
  if (mediaType === OCI_IMAGE_INDEX || mediaType === DOCKER_MANIFEST_LIST) {
    const manifests = document["manifests"];
    if (!Array.isArray(manifests)) throw new InvalidArtifactError(`base image ${name}: the index lists no manifests`);
    manifests.forEach((entry, index) => {
      const descriptor = descriptorAt(entry, `base image ${name}: manifests[${index}]`);
      const platform = (entry as { platform?: Platform }).platform;
      if (platform && typeof platform.os === "string" && typeof platform.architecture === "string") candidates.push({ descriptor, platform });
    });
  } else if (mediaType === OCI_IMAGE_MANIFEST || mediaType === DOCKER_MANIFEST_V2) {
    candidates.push({ descriptor: top.descriptor });
  } else {
    throw new InvalidArtifactError(`base image ${name}: ${mediaType} is neither an image index nor an image manifest`);
  }

  const platforms: BasePlatformImage[] = [];
  for (const want of wanted) {
    let found: BasePlatformImage | undefined;
    for (const candidate of candidates) {
      if (candidate.platform && !platformMatches(candidate.platform, want)) continue;
      const image = await readPlatformImage(repository, candidate.descriptor, name);
      if (platformMatches(image.platform, want) && (!candidate.platform || candidate.platform.os === image.platform.os)) {
        // The index's platform is what runtimes select by; it carries the variant a config may omit.
        found = candidate.platform ? { ...image, platform: candidate.platform } : image;
        break;
      }
    }
    if (!found) {
      const offered = candidates.map((c) => (c.platform ? formatPlatform(c.platform) : "a single-platform manifest")).join(", ");
      throw new InvalidArtifactError(`base image ${name} has no ${formatPlatform(want)} image (it offers ${offered || "none"}); pick a base built for every --platform`);
    }
    platforms.push(found);
  }
  return { descriptor: top.descriptor, platforms };
}

async function readPlatformImage(repository: ContentRepository, descriptor: Descriptor, name: string): Promise<BasePlatformImage> {
  const what = `base image ${name}@${descriptor.digest}`;
  const fetched = await repository.fetchManifest(descriptor.digest);
  const manifest = parseJson(fetched.bytes, what);
  const config = descriptorAt(manifest["config"], `${what}: config`);
  if (config.mediaType !== OCI_IMAGE_CONFIG_MEDIA_TYPE && config.mediaType !== DOCKER_IMAGE_CONFIG) {
    throw new InvalidArtifactError(`${what}: config media type ${config.mediaType} is not an image config`);
  }
  const rawLayers = manifest["layers"];
  if (!Array.isArray(rawLayers)) throw new InvalidArtifactError(`${what}: no layers`);
  const layers = rawLayers.map((layer, index) => {
    const d = descriptorAt(layer, `${what}: layers[${index}]`);
    if (!GZIP_LAYERS.has(d.mediaType)) throw new InvalidArtifactError(`${what}: layers[${index}] is ${d.mediaType}; only gzip tar layers are supported`);
    return { mediaType: OCI_IMAGE_LAYER_GZIP, digest: d.digest, size: d.size };
  });
  assertWithinCeiling(config, MAX_CONFIG_BYTES, `${what}: config`);
  const configDocument = parseJson(await repository.fetchBlob(config.digest, config.size), `${what}: config`);
  const diffIds = (configDocument["rootfs"] as { diff_ids?: unknown } | undefined)?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== layers.length) {
    throw new InvalidArtifactError(`${what}: the config's rootfs.diff_ids do not match its ${layers.length} layer(s)`);
  }
  const os = configDocument["os"];
  const architecture = configDocument["architecture"];
  if (typeof os !== "string" || typeof architecture !== "string") throw new InvalidArtifactError(`${what}: the config names no os and architecture`);
  const variant = configDocument["variant"];
  return {
    platform: { os, architecture, ...(typeof variant === "string" ? { variant } : {}) },
    manifest: { mediaType: fetched.descriptor.mediaType, digest: fetched.descriptor.digest, size: fetched.descriptor.size },
    layers,
    config: configDocument,
    configDescriptor: config,
  };
}
