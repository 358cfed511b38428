import { blobOf, type Blob } from "../oci/build-artifact.js";
import { OCI_IMAGE_CONFIG_MEDIA_TYPE, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import type { ApplicationLayer } from "./application-layer.js";
import type { BaseImage } from "./base-image.js";
import type { Platform } from "./platform.js";

/** How the image runs: what its config adds to the base's. */
export interface RuntimeSettings {
  /** `uid:gid` the process runs as. */
  readonly user: string;
  readonly workingDir: string;
  /** Appended to the base's entrypoint (the Node.js runtime): the script to run. */
  readonly entrypointArgs: readonly string[];
  /** The default arguments (a Deployment's `args` replace them). */
  readonly cmd: readonly string[];
  /** e.g. `8090/tcp`. */
  readonly exposedPorts: readonly string[];
  /** OCI labels (source, revision, version, created), also the index's and manifests' annotations. */
  readonly labels: Readonly<Record<string, string>>;
  /** RFC 3339, from SOURCE_DATE_EPOCH: the config's `created` and the new history entry's. */
  readonly created: string;
  /** The history entry of the application layer: what made it. */
  readonly createdBy: string;
  /** Annotations of each platform manifest only (e.g. the base image's name and digest). */
  readonly manifestAnnotations?: Readonly<Record<string, string>>;
}

export interface PlatformImage {
  readonly platform: Platform;
  readonly manifest: Blob;
  readonly config: Blob;
  /** The base's layers (fetched from the base when a target lacks them). */
  readonly baseLayers: readonly Descriptor[];
}

/** An image index built on a base: everything but the base's layer bytes. */
export interface AssembledImage {
  readonly index: Blob;
  readonly platforms: readonly PlatformImage[];
  readonly layer: ApplicationLayer;
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/**
 * The image config: the base's, with the process settings replaced, its labels extended, one
 * history entry and one diff_id appended. Keys the base has and this does not touch stay where
 * and as they were (same base bytes, same output); every key written here has a fixed place.
 */
function extendConfig(base: Readonly<Record<string, unknown>>, layer: ApplicationLayer, settings: RuntimeSettings): Uint8Array {
  const baseProcess = (base["config"] ?? {}) as Record<string, unknown>;
  const baseEntrypoint = baseProcess["Entrypoint"];
  if (!Array.isArray(baseEntrypoint) || baseEntrypoint.length === 0 || !baseEntrypoint.every((part) => typeof part === "string")) {
    throw new Error("the base image has no entrypoint: it must be a Node.js runtime image whose entrypoint runs node (as distroless nodejs images do)");
  }
  const rootfs = base["rootfs"] as { diff_ids: string[] };
  const history = Array.isArray(base["history"]) ? (base["history"] as unknown[]) : [];
  const processConfig = {
    ...baseProcess,
    User: settings.user,
    ExposedPorts: Object.fromEntries([...settings.exposedPorts].sort().map((port) => [port, {}])),
    Entrypoint: [...(baseEntrypoint as string[]), ...settings.entrypointArgs],
    Cmd: [...settings.cmd],
    WorkingDir: settings.workingDir,
    Labels: sorted({ ...((baseProcess["Labels"] as Record<string, string> | null) ?? {}), ...settings.labels }),
  };
  return json({
    ...base,
    created: settings.created,
    config: processConfig,
    rootfs: { type: "layers", diff_ids: [...rootfs.diff_ids, layer.diffId] },
    history: [...history, { created: settings.created, created_by: settings.createdBy }],
  });
}

/** One manifest per base platform, each the base's layers plus the application layer, and the index over them. */
export function assembleImage(base: BaseImage, layer: ApplicationLayer, settings: RuntimeSettings): AssembledImage {
  const annotations = sorted(settings.labels);
  const platforms = base.platforms.map((image): PlatformImage => {
    const config = blobOf(OCI_IMAGE_CONFIG_MEDIA_TYPE, extendConfig(image.config, layer, settings));
    const manifest = blobOf(
      OCI_IMAGE_MANIFEST,
      json({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        config: config.descriptor,
        layers: [...image.layers, layer.blob.descriptor],
        annotations: sorted({ ...annotations, ...(settings.manifestAnnotations ?? {}) }),
      }),
    );
    return { platform: image.platform, manifest, config, baseLayers: image.layers };
  });
  const index = blobOf(
    OCI_IMAGE_INDEX,
    json({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: platforms.map((image) => ({ ...image.manifest.descriptor, platform: image.platform })),
      annotations,
    }),
  );
  return { index, platforms, layer };
}
