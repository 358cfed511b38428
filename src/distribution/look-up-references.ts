import { RegistryError, RegistryUnreachableError } from "../oci/registry-errors.js";
import { NotFoundError } from "../oci/not-found-error.js";
import { DigestMismatchError } from "../oci/digest.js";
import type { RegistryRepository } from "../oci/registry-repository.js";
import { OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import type { ReleaseReference } from "../synth/reference-collector.js";
import { mapBounded } from "./map-bounded.js";
import { registryEndpoint, type ReferenceRegistries } from "./reference-registries.js";

/**
 * What a registry said about one reference. `unreachable` (no answer at all) and `refused` (the
 * registry turned the credentials away, 401/403) are told apart from `missing` (the registry
 * answered: no such tag or digest), because each needs a different fix. `inconsistent`: the
 * registry's HEAD named one digest and the bytes of its GET have another (a broken cache or a
 * lying registry); neither can be trusted.
 */
export type ReferenceStatus = "present" | "missing" | "unreachable" | "refused" | "inconsistent" | "failed";

export interface ReferenceLookup {
  readonly reference: ReleaseReference;
  /** The tag or digest asked for. */
  readonly asked: string;
  readonly status: ReferenceStatus;
  readonly descriptor?: Descriptor;
  /** For an image index: its platforms. */
  readonly platforms?: readonly string[];
  /** The registry's or the connection's words, for anything but `present`. */
  readonly detail?: string;
}

export interface LookUpOptions {
  readonly registries: ReferenceRegistries;
  /** `tag`: resolve the tag (lock); `pinned`: by the pinned digest when there is one (preflight). */
  readonly by: "tag" | "pinned";
  /** At most this many requests in flight. Default 8. */
  readonly concurrency?: number;
  /** Read an index to list its platforms. Default false. */
  readonly platforms?: boolean;
  readonly progress?: (message: string) => void;
}

const INDEX_TYPES = new Set([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST]);

function platformsOf(bytes: Uint8Array): string[] {
  const index = JSON.parse(new TextDecoder().decode(bytes)) as { manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[] };
  return (index.manifests ?? [])
    .map((entry) => entry.platform)
    .filter((platform): platform is { os: string; architecture: string; variant?: string } => Boolean(platform?.os && platform.architecture))
    .map((platform) => [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/"))
    .filter((platform) => platform !== "unknown/unknown")
    .sort();
}

/**
 * The descriptor of `asked`, confirmed by content: the digest a HEAD answers is only the registry's
 * claim, so the manifest is also read (GET of the same reference) and its bytes must hash to that
 * digest, with the same size. What goes into a lock is then the digest of bytes the tag served.
 */
async function confirmedByContent(repository: RegistryRepository, asked: string, options: LookUpOptions): Promise<Omit<ReferenceLookup, "reference" | "asked">> {
  const claimed = await repository.resolve(asked);
  if (!claimed) return { status: "missing", detail: `${asked} not found in ${repository.location}` };
  let fetched;
  try {
    fetched = await repository.fetchManifest(asked);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return { status: "inconsistent", detail: `${repository.location} answered HEAD ${asked} with ${claimed.digest}, but GET ${asked} found nothing; refusing to trust either` };
  }
  const read = fetched.descriptor;
  if (read.digest !== claimed.digest || read.size !== claimed.size) {
    return {
      status: "inconsistent",
      detail:
        `${repository.location} answered HEAD ${asked} with ${claimed.digest} (${claimed.size} bytes), but GET ${asked} returned a manifest whose digest is ${read.digest} (${read.size} bytes); ` +
        `a registry whose HEAD and GET disagree is refused (a broken cache or proxy, or a registry steering to another manifest)`,
    };
  }
  const platforms = options.platforms && INDEX_TYPES.has(read.mediaType) ? platformsOf(fetched.bytes) : undefined;
  return { status: "present", descriptor: claimed, ...(platforms ? { platforms } : {}) };
}

/** Resolves every reference (HEAD, confirmed by the bytes of a GET), concurrently with a bound, reporting progress. */
export async function lookUpReferences(references: readonly ReleaseReference[], options: LookUpOptions): Promise<ReferenceLookup[]> {
  let done = 0;
  return mapBounded(references, options.concurrency ?? 8, async (reference) => {
    const asked = options.by === "pinned" && reference.pinned ? reference.pinned : reference.tag;
    const endpoint = registryEndpoint(reference.registry, reference.repository);
    const repository = options.registries.client(endpoint.host).repository(endpoint.repository);
    let result: ReferenceLookup;
    try {
      result = { reference, asked, ...(await confirmedByContent(repository, asked, options)) };
    } catch (error) {
      if (error instanceof RegistryUnreachableError) result = { reference, asked, status: "unreachable", detail: error.message };
      else if (error instanceof RegistryError && (error.status === 401 || error.status === 403)) result = { reference, asked, status: "refused", detail: error.message };
      else if (error instanceof NotFoundError) result = { reference, asked, status: "missing", detail: error.message };
      else if (error instanceof DigestMismatchError) result = { reference, asked, status: "inconsistent", detail: error.message };
      else result = { reference, asked, status: "failed", detail: (error as Error).message };
    }
    done++;
    options.progress?.(`[${done}/${references.length}] ${reference.reference}${asked === reference.tag ? "" : `@${asked}`}: ${result.status === "present" ? result.descriptor!.digest : result.status}`);
    return result;
  });
}
