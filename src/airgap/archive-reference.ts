/**
 * References as the archive names them: `host/path:tag` or `host/path@sha256:…` for what the lock
 * pins (Docker Hub names normalised as containerd and the kubelet do: `docker.io/library/x`), and
 * `path:tag` without a host for the release store's repositories, which import places under its
 * own namespace.
 */
import { isDigest } from "../oci/digest.js";
import { REPOSITORY_NAME_PATTERN, TAG_PATTERN } from "../oci/registry-reference.js";

export interface ArchiveReference {
  /** The registry host, or undefined for a release-store repository. */
  readonly host: string | undefined;
  /** Repository path on that host. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Docker's rule: a first component with a dot or a colon, or `localhost`, is a host. */
function isHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost";
}

/** Parses a full reference; throws a message naming it when it is not one. */
export function parseArchiveReference(reference: string): ArchiveReference {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new Error(`"${reference}": ${digest} is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_PATTERN.test(tag)) throw new Error(`"${reference}": "${tag}" is not a valid tag`);
  }
  if (tag === undefined && digest === undefined) throw new Error(`"${reference}" names neither a tag nor a digest`);
  const slash = rest.indexOf("/");
  const first = slash < 0 ? rest : rest.slice(0, slash);
  const host = slash >= 0 && isHost(first) ? first : undefined;
  const repository = host === undefined ? rest : rest.slice(slash + 1);
  if (!REPOSITORY_NAME_PATTERN.test(repository)) throw new Error(`"${reference}": "${repository}" is not a valid repository path`);
  return { host, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `docker.io/x` → `docker.io/library/x`, as containerd names Docker Hub's official images. */
export function normalizedName(host: string, repository: string): string {
  const path = host === "docker.io" && !repository.includes("/") ? `library/${repository}` : repository;
  return `${host}/${path}`;
}

export function formatReference(name: string, pin: { tag?: string; digest?: string }): string {
  return pin.digest !== undefined ? `${name}@${pin.digest}` : `${name}:${pin.tag}`;
}
