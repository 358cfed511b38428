/**
 * The status service's image, as the kit builds it (`npm run image`, and publish): the release's
 * pinned Node.js base plus one application layer holding the service's esbuild bundle, run as the
 * user, on the port and with the paths of src/services/status/container.ts, which the Deployment
 * reads too. The library in src/image knows nothing of Alga; this file says what goes in.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseImageReference } from "../../schemas/common.js";
import { rfc3339 } from "../bundle/config-bundle.js";
import { UserError } from "../errors.js";
import { buildApplicationLayer } from "../image/application-layer.js";
import { assembleImage, type AssembledImage } from "../image/assemble-image.js";
import { readBaseImage } from "../image/base-image.js";
import { bundledPackages } from "../image/npm-packages.js";
import { formatPlatform, type Platform } from "../image/platform.js";
import { attachSbom } from "../image/sbom-attestation.js";
import { buildSpdxDocument, type SpdxDocument } from "../image/spdx-sbom.js";
import { writeImage } from "../image/write-image.js";
import { ANNOTATION_BASE_DIGEST, ANNOTATION_BASE_NAME, ANNOTATION_CREATED, ANNOTATION_REVISION, ANNOTATION_SOURCE, ANNOTATION_VERSION } from "../oci/annotations.js";
import type { Deadline } from "../oci/deadline.js";
import { SPDX_JSON_MEDIA_TYPE } from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import type { LoadedRelease } from "../release/load-release.js";
import { STATUS_CONTAINER, statusServiceArgs } from "../../schemas/status-container.js";
import type { SigningKey } from "../signing/signing-keys.js";
import { ReferenceRegistries, registryEndpoint } from "./reference-registries.js";

/** The command whose bundle the image runs (src/cli/status-service.ts, built by bin/build.mjs). */
const STATUS_SERVICE_COMMAND = "status-service";
/** Platforms built when none are named: the appliance runs on x86-64 and arm64 hardware. */
export const DEFAULT_PLATFORMS: readonly Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];

/** What goes into the application layer: the bundle as build/ holds it, and what it is made of. */
export interface ServiceBundle {
  readonly script: Uint8Array;
  /** esbuild's metafile inputs of the bundle (project files and node_modules paths). */
  readonly inputs: readonly string[];
  readonly packageLock: { packages?: Record<string, { version?: unknown; license?: unknown; name?: unknown }> };
  /** The kit's own version (package.json). */
  readonly kitVersion: string;
}

/**
 * Reads the status service's bundle from build/ (the launcher brings build/ up to date before a
 * command runs; vitest's global setup before the tests) with what esbuild recorded it read.
 */
export function readServiceBundle(root: string): ServiceBundle {
  const read = (file: string, fix: string) => {
    try {
      return readFileSync(join(root, file));
    } catch (error) {
      throw new UserError(`${join(root, file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${fix}`);
    }
  };
  // bin/build-stamp.cjs: one stamp per command (build/stamps/<name>.json), naming its bundle's directory.
  const stampPath = join("build", "stamps", `${STATUS_SERVICE_COMMAND}.json`);
  const stamp = JSON.parse(read(stampPath, "run npm run build").toString("utf8")) as { dir?: string; bundled?: string[] };
  const inputs = stamp.bundled;
  if (!stamp.dir || !Array.isArray(inputs)) throw new UserError(`${join(root, stampPath)} names no ${STATUS_SERVICE_COMMAND} bundle: run npm run build`);
  return {
    script: read(join("build", stamp.dir, `${STATUS_SERVICE_COMMAND}.cjs`), "run npm run build"),
    inputs,
    packageLock: JSON.parse(read("package-lock.json", "the SBOM takes package versions and licences from npm's lock file; run npm install").toString("utf8")),
    kitVersion: (JSON.parse(read("package.json", "run from the checkout").toString("utf8")) as { version: string }).version,
  };
}

export interface StatusImageInput {
  readonly release: LoadedRelease;
  readonly bundle: ServiceBundle;
  readonly platforms: readonly Platform[];
  /** SOURCE_DATE_EPOCH: every mtime and `created`. */
  readonly epochSeconds: number;
  /** Where the base image is read from (default: its own registry, with that host's credentials). */
  readonly baseRepository?: ContentRepository;
  /** The registries (and their credentials handling) the base's own registry is reached through, when no baseRepository is given. */
  readonly registries?: ReferenceRegistries;
  readonly deadline?: Deadline;
}

export interface BuiltStatusImage {
  readonly image: AssembledImage;
  readonly sbom: SpdxDocument;
  /** The release's base reference (with digest), and the repository its layers are read from. */
  readonly base: { readonly reference: string; readonly repository: ContentRepository; readonly descriptor: Descriptor };
}

/** The base reference of a release whose status image the kit builds, or a refusal naming the field. */
function baseReference(release: LoadedRelease): { reference: string; registry: string; repository: string; digest: string } {
  const base = release.definition.statusService.build?.base;
  if (!base) {
    throw new UserError(`${release.file}: statusService.build.base is not set: name the Node.js runtime image to build on, pinned by digest (e.g. gcr.io/distroless/nodejs22-debian12:nonroot@sha256:…)`);
  }
  const parts = parseImageReference(base);
  if (!parts?.digest) throw new UserError(`${release.file}: statusService.build.base "${base}" must be pinned by digest`);
  const endpoint = registryEndpoint(parts.registry, parts.repository);
  return { reference: base, registry: endpoint.host, repository: endpoint.repository, digest: parts.digest };
}

/** Assembles the image in memory: the base's manifests and configs are read, its layers are not. */
export async function buildStatusImage(input: StatusImageInput): Promise<BuiltStatusImage> {
  const { definition } = input.release;
  const base = baseReference(input.release);
  const baseRepository =
    input.baseRepository ?? (input.registries ?? new ReferenceRegistries(input.deadline ? { deadline: input.deadline } : {})).client(base.registry).repository(base.repository);
  const baseImage = await readBaseImage(baseRepository, base.digest, input.platforms, base.reference);
  const created = rfc3339(input.epochSeconds);
  const scriptPath = STATUS_CONTAINER.script.replace(/^\//, "");
  const layer = buildApplicationLayer([{ path: scriptPath, data: input.bundle.script }], { uid: STATUS_CONTAINER.uid, gid: STATUS_CONTAINER.gid, mtime: input.epochSeconds });
  const labels = {
    [ANNOTATION_SOURCE]: definition.source.repository,
    [ANNOTATION_REVISION]: definition.source.revision,
    [ANNOTATION_VERSION]: definition.version,
    [ANNOTATION_CREATED]: created,
  };
  const image = assembleImage(baseImage, layer, {
    user: `${STATUS_CONTAINER.uid}:${STATUS_CONTAINER.gid}`,
    workingDir: STATUS_CONTAINER.workingDir,
    entrypointArgs: [STATUS_CONTAINER.script],
    cmd: statusServiceArgs(),
    exposedPorts: [`${STATUS_CONTAINER.port}/tcp`],
    labels,
    created,
    createdBy: `appliance-release-kit ${input.bundle.kitVersion}: ${STATUS_CONTAINER.script} (esbuild bundle of src/cli/${STATUS_SERVICE_COMMAND}.ts)`,
    manifestAnnotations: { [ANNOTATION_BASE_NAME]: base.reference, [ANNOTATION_BASE_DIGEST]: base.digest },
  });
  const sbom = buildSpdxDocument(
    { name: "alga-appliance-status", version: definition.version, downloadLocation: `git+${definition.source.repository}@${definition.source.revision}`, files: [{ path: scriptPath, data: input.bundle.script }] },
    bundledPackages(input.bundle.inputs, input.bundle.packageLock),
    { created, creator: `Tool: appliance-release-kit-${input.bundle.kitVersion}`, namespace: `${definition.source.repository}/spdx/alga-appliance-status/${layer.diffId}` },
  );
  return { image, sbom, base: { reference: base.reference, repository: baseRepository, descriptor: baseImage.descriptor } };
}

export interface PushStatusImageOptions {
  /** The tag: the release version. Version tags are immutable, as the release's own. */
  readonly tag: string;
  /** `<registry>/<repository>` the SBOM attestation names as its subject. */
  readonly dockerReference: string;
  readonly signingKey?: SigningKey;
  readonly progress?: (message: string) => void;
}

export interface PushedStatusImage {
  readonly digest: string;
  readonly platforms: readonly { readonly platform: string; readonly digest: string }[];
  readonly layer: string;
  readonly blobsUploaded: number;
  readonly bytesUploaded: number;
  readonly sbom: string;
  readonly attestation?: string;
  readonly packages: number;
}

/** Stores a built image, its SBOM and (with a key) the SBOM's attestation in `target`; nothing already there is sent again. */
export async function pushStatusImage(target: ContentRepository, built: BuiltStatusImage, options: PushStatusImageOptions): Promise<PushedStatusImage> {
  const digest = built.image.index.descriptor.digest;
  const existing = await target.resolve(options.tag);
  if (existing && existing.digest !== digest) {
    throw new UserError(
      `${target.location}:${options.tag} already holds ${existing.digest}, but this checkout builds ${digest}. Version tags are immutable: give the changed release a new version.`,
    );
  }
  const written = await writeImage(target, built.base.repository, built.image, { tag: options.tag, ...(options.progress ? { progress: options.progress } : {}) });
  const sbom = await attachSbom(target, built.image.index.descriptor, options.dockerReference, built.sbom, SPDX_JSON_MEDIA_TYPE, options.signingKey);
  return {
    digest,
    platforms: built.image.platforms.map((image) => ({ platform: formatPlatform(image.platform), digest: image.manifest.descriptor.digest })),
    layer: built.image.layer.blob.descriptor.digest,
    blobsUploaded: written.blobsUploaded,
    bytesUploaded: written.bytesUploaded,
    sbom: sbom.sbom.digest,
    ...(sbom.attestation ? { attestation: sbom.attestation.digest } : {}),
    packages: built.sbom.packages.length - 1,
  };
}
