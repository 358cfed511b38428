/**
 * Where k3s reads what an offline appliance needs on its node (paths relative to the installed
 * system's root, as the overlay holds them), and the `registries.yaml` that sends every pull to
 * the local registry.
 */
import { stringify } from "yaml";

/** k3s's containerd registry configuration (k3s docs, "Private Registry Configuration"). */
export const K3S_REGISTRIES_FILE = "etc/rancher/k3s/registries.yaml";

/**
 * k3s imports every image archive in this directory into containerd when it starts, before any
 * pod is scheduled: the bootstrap images (local registry, control plane, status service) live here.
 */
export const K3S_IMAGES_DIRECTORY = "var/lib/rancher/k3s/agent/images";

/** The bootstrap images archive `airgap bootstrap --overlay` writes into K3S_IMAGES_DIRECTORY. */
export const BOOTSTRAP_ARCHIVE_NAME = "alga-bootstrap.tar";

/**
 * `registries.yaml`: a mirror per registry host, each to the local registry over plain HTTP.
 * containerd asks a mirror for the same repository path (`ghcr.io/nine-minds/x@sha256:…` →
 * `http://<local>/v2/nine-minds/x/manifests/sha256:…`), which is where `airgap import` puts it, so
 * pinned references work unchanged. Keys are hosts as containerd normalises them (`docker.io`,
 * `host:port`).
 */
export function renderK3sRegistries(endpoint: string, hosts: readonly string[], header: string): string {
  const mirrors = Object.fromEntries(hosts.map((host) => [host, { endpoint: [`http://${endpoint}`] }]));
  return `${header}${stringify({ mirrors }, { lineWidth: 0 })}`;
}
