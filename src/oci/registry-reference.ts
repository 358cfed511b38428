/**
 * Names as the OCI distribution spec defines them: registry hosts, repository names, tags.
 * Validation happens here, before any request, so that a typo produces a sentence instead of a 400/404.
 */

/** A push/pull target such as `registry.example.com:5000/alga/config`: a registry plus a namespace inside it. */
export interface RegistryTarget {
  /** `host[:port]`, as used in URLs and in docker's config.json. */
  readonly registry: string;
  /** Repository path below the host; empty when the target is a bare registry. */
  readonly namespace: string;
}

/*
 * The name grammars of the distribution spec, defined here once: schemas/common.ts, the OCI image
 * layout and the registry client all use these. Unanchored sources, for composing larger patterns.
 */
/** Path components are lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
export const REPOSITORY_NAME_GRAMMAR = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
export const TAG_GRAMMAR = "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}";
/** The general `algorithm:encoded` digest (any registered algorithm may appear in foreign content). */
const DIGEST_GRAMMAR = "[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
/** sha256, the only algorithm this kit writes or verifies. */
export const SHA256_DIGEST_GRAMMAR = "sha256:[a-f0-9]{64}";
/**
 * Tags derived from a digest: the OCI 1.1 referrers-tag fallback `sha256-<hex>` and cosign's
 * `sha256-<hex>.sig` / `.att` / `.sbom`. Never a version or a channel.
 */
export const DIGEST_TAG_PATTERN = new RegExp(`^${SHA256_DIGEST_GRAMMAR.replace(":", "-")}(?:\\.(?:sig|att|sbom))?$`);

export const REPOSITORY_NAME_PATTERN = new RegExp(`^${REPOSITORY_NAME_GRAMMAR}$`);
export const TAG_PATTERN = new RegExp(`^${TAG_GRAMMAR}$`);
export const DIGEST_REFERENCE_PATTERN = new RegExp(`^${DIGEST_GRAMMAR}$`);
export const SHA256_DIGEST_PATTERN = new RegExp(`^${SHA256_DIGEST_GRAMMAR}$`);
const HOST_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
const REGISTRY_HOST_PATTERN = new RegExp(`^(?:\\[[0-9a-fA-F:.]+\\]|${HOST_LABEL}(?:\\.${HOST_LABEL})*)(?::([0-9]{1,5}))?$`);

/** Docker (and most registries) refuse a host plus repository longer than this. */
const MAX_QUALIFIED_NAME_LENGTH = 255;

/** Throws a readable error unless `name` is a valid repository name (e.g. `alga/alga-appliance-config`). */
export function assertRepositoryName(name: string): string {
  if (name.length === 0) throw new Error("repository name is empty");
  if (name.length > MAX_QUALIFIED_NAME_LENGTH) {
    throw new Error(`repository name "${name}" is ${name.length} characters long; the limit is ${MAX_QUALIFIED_NAME_LENGTH}`);
  }
  if (!REPOSITORY_NAME_PATTERN.test(name)) {
    const hint = /[A-Z]/.test(name)
      ? " (uppercase letters are not allowed)"
      : name.startsWith("/") || name.endsWith("/") || name.includes("//")
        ? " (empty path component)"
        : "";
    throw new Error(
      `invalid repository name "${name}"${hint}: use lowercase letters, digits and the separators ".", "_", "__", "-" between them, with "/" between path components`,
    );
  }
  return name;
}

/** Throws a readable error unless `tag` matches `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export function assertTag(tag: string): string {
  if (!TAG_PATTERN.test(tag)) {
    const why =
      tag.length === 0
        ? "it is empty"
        : tag.length > 128
          ? `it is ${tag.length} characters long (at most 128)`
          : /^[.-]/.test(tag)
            ? "it must not start with '.' or '-'"
            : "only letters, digits, '_', '.' and '-' are allowed";
    throw new Error(`invalid tag "${tag}": ${why}`);
  }
  return tag;
}

/** True for `algorithm:encoded`, the spec's general digest grammar (not only sha256). */
export function isDigestReference(reference: string): boolean {
  return DIGEST_REFERENCE_PATTERN.test(reference);
}

/** Throws unless `host` is `name[:port]`, `ipv4[:port]` or `[ipv6][:port]`. Returns it unchanged. */
export function assertRegistryHost(host: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    throw new Error(
      `registry "${host}" must be given as host[:port] without a URL scheme; use --plain-http for a registry that serves plain HTTP`,
    );
  }
  const match = REGISTRY_HOST_PATTERN.exec(host);
  if (!match) throw new Error(`invalid registry host "${host}": expected host[:port], e.g. registry.example.com or 127.0.0.1:5000`);
  const port = match[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new Error(`invalid registry host "${host}": port ${port} is out of range`);
  }
  return host;
}

/**
 * Parses `HOST[:PORT]/NAMESPACE...`. The first path component is always the registry,
 * even without a dot or port (unlike docker, we never imply docker.io).
 */
export function parseRegistryTarget(target: string): RegistryTarget {
  const trimmed = target.trim().replace(/\/+$/, "");
  if (trimmed.length === 0) throw new Error("registry target is empty: expected HOST[:PORT]/NAMESPACE");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new Error(
      `registry target "${target}" must not contain a URL scheme: write HOST[:PORT]/NAMESPACE, and add --plain-http for a plain-HTTP registry`,
    );
  }
  const slash = trimmed.indexOf("/");
  const registry = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const namespace = slash === -1 ? "" : trimmed.slice(slash + 1);
  assertRegistryHost(registry);
  if (namespace !== "") {
    try {
      assertRepositoryName(namespace);
    } catch (error) {
      throw new Error(`registry target "${target}": ${(error as Error).message}`);
    }
    checkQualifiedLength(registry, namespace);
  }
  return { registry, namespace };
}

/** Joins a target namespace and a repository name below it, validating the result. */
export function joinRepositoryName(namespace: string, name: string): string {
  const joined = [namespace, name].filter((part) => part !== "").join("/");
  return assertRepositoryName(joined);
}

function checkQualifiedLength(registry: string, repository: string): void {
  const length = registry.length + 1 + repository.length;
  if (length > MAX_QUALIFIED_NAME_LENGTH) {
    throw new Error(
      `"${registry}/${repository}" is ${length} characters long; registries refuse names longer than ${MAX_QUALIFIED_NAME_LENGTH}`,
    );
  }
}
