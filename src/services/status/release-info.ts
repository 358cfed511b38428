import type { ReleaseManifest } from "../../../schemas/release-manifest.js";
import type { KubeObject } from "./cluster-snapshot.js";
import { ANNOTATION_REVISION, ANNOTATION_VERSION } from "../../oci/annotations.js";
import { SHA256_DIGEST_GRAMMAR } from "../../oci/registry-reference.js";
import { APPLIANCE_NAME } from "../../../schemas/names.js";

const TRAILING_DIGEST = new RegExp(`${SHA256_DIGEST_GRAMMAR}$`);

/** The release an appliance runs, as the status reports it. */
export interface ReleaseInfo {
  readonly version: string | null;
  readonly channel: string | null;
  readonly bundleDigest: string | null;
  readonly sourceRevision: string | null;
}

/** Name of the Flux OCIRepository carrying the config bundle (setup creates it). */
const CONFIG_SOURCE_NAME = APPLIANCE_NAME;

/**
 * What the cluster says it runs: the config bundle's OCIRepository artifact. Flux writes the
 * revision as `<tag>@sha256:<manifest digest>` and keeps the OCI annotations in its metadata.
 */
export function releaseFromCluster(objects: readonly KubeObject[]): ReleaseInfo {
  const source = objects.find((o) => o.kind === "OCIRepository" && o.metadata.name === CONFIG_SOURCE_NAME);
  const artifact = source?.status?.["artifact"] as { revision?: string; metadata?: Record<string, string> } | undefined;
  const revision = artifact?.revision ?? "";
  const at = revision.lastIndexOf("@");
  const tag = at > 0 ? revision.slice(0, at) : (source?.spec?.["ref"] as { tag?: string } | undefined)?.tag;
  const digest = TRAILING_DIGEST.exec(revision)?.[0] ?? (source?.spec?.["ref"] as { digest?: string } | undefined)?.digest ?? null;
  const isVersion = tag !== undefined && /^[0-9]/.test(tag);
  return {
    version: isVersion ? tag! : (artifact?.metadata?.[ANNOTATION_VERSION] ?? null),
    channel: tag !== undefined && !isVersion && tag !== "latest" ? tag : null,
    bundleDigest: digest,
    sourceRevision: artifact?.metadata?.[ANNOTATION_REVISION] ?? null,
  };
}

/** What the release manifest pins (channel comes from how it was pulled, not from the manifest). */
export function releaseFromManifest(manifest: ReleaseManifest, channel?: string): Partial<ReleaseInfo> {
  return {
    version: manifest.version,
    bundleDigest: manifest.configBundle.digest,
    sourceRevision: manifest.source.revision,
    ...(channel ? { channel } : {}),
  };
}
