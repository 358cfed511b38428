import { sha256Digest } from "../oci/digest.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { OCI_EMPTY_JSON, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX } from "../oci/media-types.js";
import { SIGSTORE_BUNDLE_MEDIA_TYPE, COSIGN_SIGN_PREDICATE_TYPE } from "./sigstore-bundle.js";

/** Bounds on hostile input: referrers listed, and the size of one bundle. */
const MAX_REFERRERS = 1000;
const MAX_BUNDLE_BYTES = 1024 * 1024;
const EMPTY_JSON = new TextEncoder().encode("{}");

/**
 * The OCI 1.1 referrers tag schema: registries without the referrers API (docker-registry 2.8
 * among them) list the referrers of `sha256:<hex>` in an image index tagged `sha256-<hex>`.
 * go-containerregistry (and so cosign and Flux) fall back to it when the API answers 404.
 */
export function referrersTag(digest: string): string {
  return digest.replace(":", "-");
}

/** A bundle attached to an artifact, as stored. */
export interface StoredBundle {
  readonly manifest: Descriptor;
  readonly bundle?: Uint8Array;
  readonly problem?: string;
}

/** The referrers index (fallback tag) of `digest`, or an empty one. */
async function readReferrersIndex(repository: ContentRepository, digest: string): Promise<{ manifests: Descriptor[]; [key: string]: unknown }> {
  const tag = referrersTag(digest);
  const descriptor = await repository.resolve(tag);
  if (!descriptor) return { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] };
  // Registry content, not yet verified by anything: refusals are typed, so a command reports them as such.
  let index: { manifests?: unknown };
  try {
    index = JSON.parse(Buffer.from((await repository.fetchManifest(descriptor.digest)).bytes).toString("utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new InvalidArtifactError(`${repository.location}:${tag}: the referrers index is not JSON`);
  }
  if (!Array.isArray(index?.manifests)) throw new InvalidArtifactError(`${repository.location}:${tag} is not an image index`);
  if (index.manifests.length > MAX_REFERRERS) throw new InvalidArtifactError(`${repository.location}:${tag} lists ${index.manifests.length} referrers; refusing more than ${MAX_REFERRERS}`);
  return index as { manifests: Descriptor[]; [key: string]: unknown };
}

/** Every sigstore bundle referring to `digest` (through the referrers tag), each read and checked against its digests. */
export async function readStoredBundles(repository: ContentRepository, digest: string): Promise<StoredBundle[]> {
  const index = await readReferrersIndex(repository, digest);
  const bundles: StoredBundle[] = [];
  for (const entry of index.manifests) {
    if (typeof entry !== "object" || entry === null) continue; // not a descriptor at all: nothing to verify
    if (entry.artifactType !== undefined && entry.artifactType !== SIGSTORE_BUNDLE_MEDIA_TYPE) continue;
    try {
      const fetched = await repository.fetchManifest(entry.digest);
      const manifest = JSON.parse(Buffer.from(fetched.bytes).toString("utf8"));
      const layer = manifest?.layers?.[0];
      if (manifest?.subject?.digest !== digest) {
        bundles.push({ manifest: entry, problem: `referrer ${entry.digest} has subject ${String(manifest?.subject?.digest)}, not ${digest}` });
      } else if (manifest.layers.length !== 1 || !String(layer?.mediaType).startsWith(SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX)) {
        if (entry.artifactType === SIGSTORE_BUNDLE_MEDIA_TYPE) bundles.push({ manifest: entry, problem: `referrer ${entry.digest} does not hold exactly one sigstore bundle layer` });
      } else if (typeof layer.size !== "number" || layer.size > MAX_BUNDLE_BYTES) {
        bundles.push({ manifest: entry, problem: `bundle ${String(layer.digest)} is too large` });
      } else {
        bundles.push({ manifest: entry, bundle: await repository.fetchBlob(layer.digest, layer.size) });
      }
    } catch (error) {
      bundles.push({ manifest: entry, problem: `referrer ${entry.digest} cannot be read intact (${(error as Error).message})` });
    }
  }
  return bundles;
}

/**
 * Attaches `bundle` to the manifest `subject` as cosign v3 does: a referrer image manifest
 * (artifactType the bundle media type, empty config, one bundle layer, `subject`), pushed by digest,
 * then listed in the referrers tag. Returns the referrer's reference.
 */
export async function attachBundle(repository: ContentRepository, subject: Descriptor, bundle: Uint8Array): Promise<string> {
  const emptyConfig = { mediaType: OCI_EMPTY_JSON, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.byteLength };
  const layer = { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, digest: sha256Digest(bundle), size: bundle.byteLength };
  const annotations = { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": COSIGN_SIGN_PREDICATE_TYPE };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    config: { ...emptyConfig, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE },
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
    artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  await repository.pushBlob(emptyConfig, EMPTY_JSON);
  await repository.pushBlob(layer, bundle);
  const referrer = await repository.pushManifest(bytes, OCI_IMAGE_MANIFEST, sha256Digest(bytes));

  const index = await readReferrersIndex(repository, subject.digest);
  const entry = { mediaType: OCI_IMAGE_MANIFEST, digest: referrer.digest, size: referrer.size, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, annotations };
  const updated = { ...index, manifests: [...index.manifests.filter((m) => m.digest !== referrer.digest), entry] };
  await repository.pushManifest(new TextEncoder().encode(JSON.stringify(updated)), OCI_IMAGE_INDEX, referrersTag(subject.digest));
  return `${repository.location}@${referrer.digest}`;
}
