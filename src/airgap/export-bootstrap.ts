/**
 * `airgap bootstrap`: the images an offline appliance needs before its local registry holds
 * anything — the local registry itself, the control plane and the status service — as one OCI
 * archive for k3s's auto-import directory in the ISO overlay (issue 18, point 5).
 *
 * The split with synth: synth is offline and renders text (the registry's manifests, k3s's
 * registries.yaml, the Flux source); this archive needs the images' bytes, so it is made here,
 * like `export`, from the registries the release names (or a mirror layout), each image at the
 * digest the release or its lock pins. It holds exactly those three images (no signatures: k3s
 * would import a `.sig` image like any other), named as `export` names images, so pods whose image
 * is `repo:tag@sha256:…` start from it with no network. The same pins and platforms give the same bytes.
 */
import { parseImageReference } from "../../schemas/common.js";
import { ReferenceRegistries } from "../distribution/reference-registries.js";
import { UserError } from "../errors.js";
import type { Deadline } from "../oci/deadline.js";
import { loadRelease } from "../release/load-release.js";
import { resolveReleaseFile } from "../release/release-files.js";
import { formatReference, normalizedName, parseArchiveReference } from "./archive-reference.js";
import { archiveBlobs, writeArchiveTar, type ArchiveWriteResult } from "./export-archive.js";
import { PlanBuilder } from "./export-plan.js";
import { formatBytes } from "../progress.js";
import { MirrorLayout, registrySource } from "./sources.js";
import { ANNOTATION_PLATFORMS, ANNOTATION_RELEASE } from "./vocabulary.js";

export interface ExportBootstrapOptions {
  readonly releasesDir: string;
  readonly version: string;
  /** The archive to write (via `<out>.partial`, resumed when present). */
  readonly out: string;
  readonly platforms: readonly string[];
  readonly layerCeiling: number;
  /** Read the images from this OCI layout instead of their registries. */
  readonly mirror?: string;
  readonly deadline?: Deadline;
  readonly progress?: (line: string) => void;
  readonly terminal?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ExportBootstrapResult extends ArchiveWriteResult {
  readonly path: string;
  readonly release: string;
  /** The three images, `repo:tag@sha256:…`. */
  readonly images: readonly string[];
}

/** Per request attempt: a layer streams inside one request. */
const BLOB_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

/** `field`'s image at the digest the release pins, or else the one its lock pins; refuses when neither does, or when they disagree. */
function pinnedImage(image: string, field: string, file: string, lock: ReturnType<typeof loadRelease>["lock"]): string {
  const parts = parseImageReference(image);
  if (!parts?.tag) throw new UserError(`${file}: ${field}: "${image}" names no tag; write registry/repository:tag@sha256:…`);
  const reference = `${parts.registry}/${parts.repository}:${parts.tag}`;
  const locked = lock?.lock.images.find((entry) => entry.reference === reference)?.digest;
  if (parts.digest && locked && parts.digest !== locked) {
    throw new UserError(`${lock!.file}: ${reference} is locked at ${locked} but ${file} pins ${parts.digest} (${field}); run npm run lock -- --release ${lock!.lock.release}`);
  }
  const digest = parts.digest ?? locked;
  if (digest === undefined) {
    throw new UserError(`${file}: ${field}: ${reference} is pinned neither in the release nor in a lock; run npm run lock -- --release <version> first (the archive holds exact digests)`);
  }
  return `${reference}@${digest}`;
}

export async function exportBootstrap(options: ExportBootstrapOptions): Promise<ExportBootstrapResult> {
  const progress = options.progress ?? (() => {});
  const file = resolveReleaseFile(options.releasesDir, options.version);
  const { definition, lock } = loadRelease(file);
  const distribution = definition.distribution;
  if (distribution?.mode !== "offline") {
    throw new UserError(
      `${file}: distribution: the release is ${distribution?.mode ?? "online (no distribution setting)"}; bootstrap images are for an offline appliance: ` +
        "set distribution: {mode: offline, registry: {image: docker.io/library/registry:3.0.0@sha256:…}}",
    );
  }
  // One name per image, even where two fields name the same image (an archive names a reference once).
  const images = [...new Set([
    pinnedImage(distribution.registry.image, "distribution.registry.image", file, lock),
    pinnedImage(definition.controlPlane.image, "controlPlane.image", file, lock),
    pinnedImage(definition.statusService.image, "statusService.image", file, lock),
  ])];
  const registries = new ReferenceRegistries({
    timeoutMs: BLOB_REQUEST_TIMEOUT_MS,
    ...(options.deadline ? { deadline: options.deadline } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const mirror = options.mirror ? new MirrorLayout(options.mirror) : undefined;
  const builder = new PlanBuilder({ platforms: options.platforms, layerCeiling: options.layerCeiling });
  for (const image of images) {
    const parsed = parseArchiveReference(image);
    const name = normalizedName(parsed.host!, parsed.repository);
    progress(`planning ${name}@${parsed.digest}`);
    const source = mirror ? mirror.source(name) : registrySource(registries, parsed.host!, parsed.repository);
    const descriptor = await builder.addManifest(source, parsed.digest!, `${image} (${file})`);
    builder.name(formatReference(name, { tag: parsed.tag! }), descriptor, "image");
    // Pods ask for repo:tag@sha256:…, which containerd's CRI looks up as repo@sha256:….
    builder.name(formatReference(name, { digest: parsed.digest! }), descriptor, "image");
  }
  const plan = builder.plan();
  const blobs = archiveBlobs(plan);
  const total = blobs.reduce((sum, blob) => sum + blob.descriptor.size, 0);
  progress(`bootstrap images of ${options.version}: ${images.length} image(s), ${blobs.length} blob(s), ${formatBytes(total)} (${total} bytes) to write`);
  const annotations = { [ANNOTATION_RELEASE]: options.version, [ANNOTATION_PLATFORMS]: options.platforms.join(",") };
  const result = await writeArchiveTar(plan, options.out, { annotations, progress, terminal: options.terminal ?? false });
  return { ...result, path: options.out, release: options.version, images };
}
