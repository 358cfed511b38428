import { sha256Digest } from "../oci/digest.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { OCI_EMPTY_JSON, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX } from "../oci/media-types.js";
import { SIGSTORE_BUNDLE_MEDIA_TYPE, COSIGN_SIGN_PREDICATE_TYPE } from "./sigstore-bundle.js";
import { firstIssue } from "./sigstore-bundle-schema.js";
import { SHA256_DIGEST_PATTERN } from "../oci/registry-reference.js";
import { z } from "zod";

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
  readonly manifest: ReferrerDescriptor;
  readonly bundle?: Uint8Array;
  readonly problem?: string;
}

const ReferrerDescriptor = z.object({
  mediaType: z.string(),
  digest: z.string().regex(SHA256_DIGEST_PATTERN, { error: "is not a sha256 digest" }),
  size: z.number().int().nonnegative(),
  artifactType: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
type ReferrerDescriptor = z.infer<typeof ReferrerDescriptor>;
const ReferrersIndex = z.looseObject({ manifests: z.array(ReferrerDescriptor).max(MAX_REFERRERS, { error: `lists more than ${MAX_REFERRERS} referrers` }) });
type ReferrersIndex = z.infer<typeof ReferrersIndex>;
/** What of a referrer manifest decides whether it is a bundle: its subject, type and layers. */
const ReferrerManifest = z.looseObject({
  artifactType: z.string().optional(),
  subject: z.looseObject({ digest: z.string() }).optional(),
  layers: z.array(z.looseObject({ mediaType: z.string(), digest: z.string().regex(SHA256_DIGEST_PATTERN), size: z.number().int().nonnegative() })),
});

/** True for the artifact types cosign and Flux take as a sigstore bundle (any version, either spelling). */
function isBundleType(artifactType: string | undefined): boolean {
  return artifactType !== undefined && artifactType.startsWith(SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX);
}

/** The referrers index (fallback tag) of `digest`, or an empty one. */
async function readReferrersIndex(repository: ContentRepository, digest: string): Promise<ReferrersIndex> {
  const tag = referrersTag(digest);
  const descriptor = await repository.resolve(tag);
  if (!descriptor) return { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] };
  // Registry content, not yet verified by anything: refusals are typed, so a command reports them as such.
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from((await repository.fetchManifest(descriptor.digest)).bytes).toString("utf8"));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new InvalidArtifactError(`${repository.location}:${tag}: the referrers index is not JSON`);
  }
  const parsed = ReferrersIndex.safeParse(json);
  if (!parsed.success) throw new InvalidArtifactError(`${repository.location}:${tag} is not an image index of referrers: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/**
 * Every sigstore bundle referring to `digest` (through the referrers tag), each read and checked
 * against its digests. A referrer counts as a bundle when cosign or Flux would take it as one: its
 * artifactType (in the index or its manifest) is a sigstore bundle type of any version, or it has
 * none and its layer is a bundle; one that then does not hold a readable bundle is reported with its
 * problem (a refusal), never skipped.
 */
export async function readStoredBundles(repository: ContentRepository, digest: string): Promise<StoredBundle[]> {
  const index = await readReferrersIndex(repository, digest);
  const bundles: StoredBundle[] = [];
  for (const entry of index.manifests) {
    if (entry.artifactType !== undefined && !isBundleType(entry.artifactType)) continue; // another kind of referrer (an SBOM, an attestation)
    try {
      const fetched = await repository.fetchManifest(entry.digest);
      const parsed = ReferrerManifest.safeParse(JSON.parse(Buffer.from(fetched.bytes).toString("utf8")));
      if (!parsed.success) {
        if (isBundleType(entry.artifactType)) bundles.push({ manifest: entry, problem: `referrer ${entry.digest} is not an image manifest: ${firstIssue(parsed.error)}` });
        continue;
      }
      const manifest = parsed.data;
      const layer = manifest.layers[0];
      const claimsBundle = isBundleType(entry.artifactType) || isBundleType(manifest.artifactType) || manifest.layers.some((candidate) => isBundleType(candidate.mediaType));
      if (!claimsBundle) continue;
      if (manifest.subject?.digest !== digest) {
        bundles.push({ manifest: entry, problem: `referrer ${entry.digest} has subject ${String(manifest.subject?.digest)}, not ${digest}` });
      } else if (manifest.layers.length !== 1 || !isBundleType(layer?.mediaType)) {
        bundles.push({ manifest: entry, problem: `referrer ${entry.digest} does not hold exactly one sigstore bundle layer` });
      } else if (layer!.size > MAX_BUNDLE_BYTES) {
        bundles.push({ manifest: entry, problem: `bundle ${layer!.digest} is too large` });
      } else {
        bundles.push({ manifest: entry, bundle: await repository.fetchBlob(layer!.digest, layer!.size) });
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
