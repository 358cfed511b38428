/**
 * The offline appliance (issue 18, point 5): where things live once `airgap import` has filled the
 * local registry. Import keeps every image's and chart's repository path and drops its host
 * (`ghcr.io/nine-minds/pgbouncer` → `<local>/nine-minds/pgbouncer`, src/airgap/import-archive.ts),
 * and puts the release artifact and config bundle under the registry's namespace. So containerd
 * needs only a mirror per registry host (no rewriting of pinned references), and Flux the same
 * paths on the local registry.
 */
import type { OfflineDistribution, ReleaseDefinition } from "../../schemas/release.js";
import { UserError } from "../errors.js";
import { CONFIG_REPOSITORY } from "../manifest/build-release-manifest.js";

/** The release's offline distribution settings; undefined for an online release (the default). */
export function offlineDistribution(release: ReleaseDefinition): OfflineDistribution | undefined {
  return release.distribution?.mode === "offline" ? release.distribution : undefined;
}

/** `host:port` of the local registry, as containerd and Flux address it. */
export function localRegistryEndpoint(offline: OfflineDistribution): string {
  return `${offline.registry.clusterIP}:${offline.registry.port}`;
}

/** `oci://ghcr.io/nine-minds/charts` → `oci://<local>/nine-minds/charts`: the same path on the local registry. */
export function localChartRepository(chartRepository: string, offline: OfflineDistribution): string {
  const path = chartRepository.replace(/^oci:\/\//, "").split("/").slice(1).join("/");
  return `oci://${localRegistryEndpoint(offline)}${path ? `/${path}` : ""}`;
}

/** `host:port/namespace`: the release store on the local registry, where import puts the release and its config bundle. */
export function localReleaseRegistry(offline: OfflineDistribution): string {
  return `${localRegistryEndpoint(offline)}/${offline.registry.namespace}`;
}

/** The config bundle's repository on the local registry, as Flux's OCIRepository names it. */
export function localConfigBundleUrl(offline: OfflineDistribution): string {
  return `oci://${localReleaseRegistry(offline)}/${CONFIG_REPOSITORY}`;
}

/**
 * Docker Hub's other name: containerd (like docker) normalises `index.docker.io/x` to
 * `docker.io/x` before it looks up a mirror, so the mirror must be keyed `docker.io`.
 */
const DOCKER_HUB_ALIASES: Record<string, string> = { "index.docker.io": "docker.io" };

/** The registry host of `registry/repository:tag` or `oci://host/path:version` (the kit always names the host). */
function hostOf(reference: string): string {
  const host = reference.replace(/^oci:\/\//, "").split("/")[0]!;
  return DOCKER_HUB_ALIASES[host] ?? host;
}

/** The repository path a reference gets on the local registry (its host dropped, as import does). */
function localPathOf(reference: string): string {
  const rest = reference.replace(/^oci:\/\//, "").split("/").slice(1).join("/");
  const withoutDigest = rest.split("@")[0]!;
  const colon = withoutDigest.lastIndexOf(":");
  const path = colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(0, colon) : withoutDigest;
  // Docker Hub's official images live under library/, where containerd asks for them.
  return hostOf(reference) === "docker.io" && !path.includes("/") ? `library/${path}` : path;
}

/**
 * Every registry host `references` (images and charts, as the lock names them) come from, sorted,
 * for the k3s mirrors; the local registry itself is left out. Refuses two hosts whose references
 * land on one repository of the local registry (`ghcr.io/a/x` and `quay.io/a/x`): import keeps
 * paths and drops hosts, so one would overwrite the other's tags there.
 */
export function mirroredRegistryHosts(references: readonly string[], offline: OfflineDistribution, origin: string): string[] {
  const local = localRegistryEndpoint(offline);
  const hostsOfPath = new Map<string, Set<string>>();
  for (const reference of references) {
    const host = hostOf(reference);
    if (host === local) continue;
    const path = localPathOf(reference);
    hostsOfPath.set(path, (hostsOfPath.get(path) ?? new Set()).add(host));
  }
  const clashes = [...hostsOfPath].filter(([, hosts]) => hosts.size > 1);
  if (clashes.length > 0) {
    throw new UserError(
      `${origin}: distribution: offline: ${clashes.map(([path, hosts]) => `${[...hosts].sort().map((host) => `${host}/${path}`).join(" and ")}`).join("; ")} ` +
        `would share one repository (${clashes.map(([path]) => path).join(", ")}) of the local registry, which keeps repository paths and drops hosts; ` +
        "publish one of them under another path",
    );
  }
  return [...new Set([...hostsOfPath.values()].flatMap((hosts) => [...hosts]))].sort();
}
