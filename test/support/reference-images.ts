/**
 * Pushes tiny but real OCI images, multi-platform indexes and Helm-chart artifacts into a test
 * registry with the project's own client, and writes a release file that references them.
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { buildArtifact } from "../../src/oci/build-artifact.js";
import { OCI_IMAGE_INDEX } from "../../src/oci/media-types.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { sha256Digest } from "../../src/oci/digest.js";
import { RELEASES_DIR } from "./rendered.js";

const encoder = new TextEncoder();

function imageArtifact(seed: string, platform = { os: "linux", architecture: "amd64" }) {
  return buildArtifact({
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      data: encoder.encode(JSON.stringify({ ...platform, rootfs: { type: "layers", diff_ids: [] }, config: { Labels: { seed } } })),
    },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", data: encoder.encode(`layer ${seed}`) }],
  });
}

async function pushArtifact(client: RegistryClient, repository: string, artifact: ReturnType<typeof buildArtifact>, tag?: string): Promise<string> {
  const repo = client.repository(repository);
  for (const blob of [artifact.config, ...artifact.layers]) await repo.pushBlob(blob.descriptor, blob.data);
  const descriptor = await repo.pushManifest(artifact.manifest.data, artifact.manifest.descriptor.mediaType, tag ?? artifact.manifest.descriptor.digest);
  return descriptor.digest;
}

/** A single-platform image; returns its manifest digest. A different seed gives a different digest. */
export function pushImage(client: RegistryClient, repository: string, tag: string, seed = repository): Promise<string> {
  return pushArtifact(client, repository, imageArtifact(seed), tag);
}

/** A multi-platform image (linux/amd64 + linux/arm64 behind an OCI index); returns the index digest. */
export async function pushMultiPlatformImage(client: RegistryClient, repository: string, tag: string, seed = repository): Promise<string> {
  const platforms = [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" },
  ];
  const manifests = [];
  for (const platform of platforms) {
    const artifact = imageArtifact(`${seed} ${platform.architecture}`, platform);
    await pushArtifact(client, repository, artifact);
    manifests.push({ ...artifact.manifest.descriptor, platform });
  }
  const index = encoder.encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }));
  await client.repository(repository).pushManifest(index, OCI_IMAGE_INDEX, tag);
  return sha256Digest(index);
}

/** A Helm chart as Helm pushes it (helm config + chart content layer); returns its manifest digest. */
export function pushChart(client: RegistryClient, repository: string, version: string, seed = repository): Promise<string> {
  const artifact = buildArtifact({
    config: { mediaType: "application/vnd.cncf.helm.config.v1+json", data: encoder.encode(JSON.stringify({ name: repository, version, seed })) },
    layers: [{ mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", data: encoder.encode(`chart ${seed}`) }],
  });
  return pushArtifact(client, repository, artifact, version);
}

export const COMPONENTS = ["alga-core", "pgbouncer", "temporal", "temporal-worker", "workflow-worker", "email-service"] as const;

export interface LocalReleaseOptions {
  readonly version?: string;
  /** Components whose image is not pushed (so it is missing). */
  readonly skipImages?: readonly string[];
  /** Do not push anything (unreachable registries, refused credentials). */
  readonly pushNothing?: boolean;
  /** Override the registry written into the release (default: the one pushed to). */
  readonly referencedRegistry?: string;
}

/**
 * A checkout-like directory with releases/<version>.yaml whose images and charts live on `host`
 * (alga-core as a multi-platform index), and the profile it needs. Returns the pushed digests.
 */
export async function localRelease(
  dir: string,
  host: string,
  options: LocalReleaseOptions = {},
): Promise<{ version: string; digests: Record<string, string>; base: string; client: RegistryClient }> {
  const version = options.version ?? "2.0.0";
  // Each release gets its own repositories, so releases sharing a registry never see each other's tags.
  const prefix = `r${version.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
  const registry = `${options.referencedRegistry ?? host}/${prefix}`;
  const client = new RegistryClient({ registry: host, plainHttp: true });
  const digests: Record<string, string> = {};
  const components: Record<string, unknown> = {};
  for (const name of COMPONENTS) {
    const repository = `${prefix}/nine-minds/${name}`;
    if (!options.pushNothing && !options.skipImages?.includes(name)) {
      digests[`image ${name}`] = name === "alga-core" ? await pushMultiPlatformImage(client, repository, "build-1") : await pushImage(client, repository, "build-1");
    }
    if (!options.pushNothing) digests[`chart ${name}`] = await pushChart(client, `${prefix}/charts/${name}`, "2.0.0");
    components[name] = { image: `${registry}/nine-minds/${name}:build-1`, chart: { name, version: "2.0.0" } };
  }
  if (!options.pushNothing) digests["control-plane"] = await pushImage(client, `${prefix}/nine-minds/control-plane`, "build-1");
  if (!options.pushNothing) digests["status-service"] = await pushImage(client, `${prefix}/nine-minds/status-service`, "build-1");
  const releases = join(dir, "releases");
  mkdirSync(releases, { recursive: true });
  cpSync(join(RELEASES_DIR, "profiles"), join(releases, "profiles"), { recursive: true });
  const release = {
    version,
    profile: "single-node",
    source: { repository: "https://github.com/nine-minds/alga-psa", revision: "test" },
    chartRepository: `oci://${registry}/charts`,
    controlPlane: { image: `${registry}/nine-minds/control-plane:build-1` },
    statusService: { image: `${registry}/nine-minds/status-service:build-1` },
    components,
    waivers: [
      {
        policy: "restricted-pod-security",
        object: "Deployment alga-appliance-control-plane/appliance-control-plane",
        fields: ["spec.template.spec.hostNetwork", "spec.template.spec.volumes[0].hostPath"],
        reason: "host network and host state directory, as in the shipped releases",
      },
    ],
  };
  writeFileSync(join(releases, `${version}.yaml`), stringify(release));
  return { version, digests, base: registry, client };
}
