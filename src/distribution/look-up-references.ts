import { RegistryError, RegistryUnreachableError } from "../oci/registry-errors.js";
import { NotFoundError } from "../oci/not-found-error.js";
import { OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST } from "../oci/media-types.js";
import type { Descriptor } from "../oci/types.js";
import type { ReleaseReference } from "../synth/reference-collector.js";
import { mapBounded } from "./map-bounded.js";
import { registryEndpoint, type ReferenceRegistries } from "./reference-registries.js";

/**
 * What a registry said about one reference. `unreachable` (no answer at all) and `refused` (the
 * registry turned the credentials away, 401/403) are told apart from `missing` (the registry
 * answered: no such tag or digest), because each needs a different fix.
 */
export type ReferenceStatus = "present" | "missing" | "unreachable" | "refused" | "failed";

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

async function platformsOf(lookup: () => Promise<{ bytes: Uint8Array }>): Promise<string[]> {
  const { bytes } = await lookup();
  const index = JSON.parse(new TextDecoder().decode(bytes)) as { manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[] };
  return (index.manifests ?? [])
    .map((entry) => entry.platform)
    .filter((platform): platform is { os: string; architecture: string; variant?: string } => Boolean(platform?.os && platform.architecture))
    .map((platform) => [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/"))
    .filter((platform) => platform !== "unknown/unknown")
    .sort();
}

/** Resolves every reference with registry HEAD requests, concurrently with a bound, reporting progress. */
export async function lookUpReferences(references: readonly ReleaseReference[], options: LookUpOptions): Promise<ReferenceLookup[]> {
  let done = 0;
  return mapBounded(references, options.concurrency ?? 8, async (reference) => {
    const asked = options.by === "pinned" && reference.pinned ? reference.pinned : reference.tag;
    const endpoint = registryEndpoint(reference.registry, reference.repository);
    const repository = options.registries.client(endpoint.host).repository(endpoint.repository);
    let result: ReferenceLookup;
    try {
      const descriptor = await repository.resolve(asked);
      if (!descriptor) result = { reference, asked, status: "missing", detail: `${asked} not found in ${repository.location}` };
      else {
        const platforms = options.platforms && INDEX_TYPES.has(descriptor.mediaType) ? await platformsOf(() => repository.fetchManifest(descriptor.digest)) : undefined;
        result = { reference, asked, status: "present", descriptor, ...(platforms ? { platforms } : {}) };
      }
    } catch (error) {
      if (error instanceof RegistryUnreachableError) result = { reference, asked, status: "unreachable", detail: error.message };
      else if (error instanceof RegistryError && (error.status === 401 || error.status === 403)) result = { reference, asked, status: "refused", detail: error.message };
      else if (error instanceof NotFoundError) result = { reference, asked, status: "missing", detail: error.message };
      else result = { reference, asked, status: "failed", detail: (error as Error).message };
    }
    done++;
    options.progress?.(`[${done}/${references.length}] ${reference.reference}${asked === reference.tag ? "" : `@${asked}`}: ${result.status === "present" ? result.descriptor!.digest : result.status}`);
    return result;
  });
}
