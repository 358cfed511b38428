import { sha256Digest } from "../oci/digest.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { OCI_EMPTY_JSON, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { referrersTag } from "../signing/bundle-referrer.js";

const EMPTY_JSON = new TextEncoder().encode("{}");
/** Bounds on hostile input. */
const MAX_REFERRERS = 1000;
const MAX_REFERRER_BLOB_BYTES = 16 * 1024 * 1024;

/** One referrer as listed in the referrers-tag index. */
export interface ReferrerEntry extends Descriptor {
  readonly artifactType?: string;
}

/** The referrers of `digest` as the fallback tag `sha256-<hex>` lists them (empty when there is none). */
export async function listReferrers(repository: ContentRepository, digest: string): Promise<ReferrerEntry[]> {
  const descriptor = await repository.resolve(referrersTag(digest));
  if (!descriptor) return [];
  let index: { manifests?: unknown };
  try {
    index = JSON.parse(new TextDecoder().decode((await repository.fetchManifest(descriptor.digest)).bytes));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new InvalidArtifactError(`${repository.location}:${referrersTag(digest)}: the referrers index is not JSON`);
  }
  if (!Array.isArray(index?.manifests)) throw new InvalidArtifactError(`${repository.location}:${referrersTag(digest)} is not an image index`);
  if (index.manifests.length > MAX_REFERRERS) throw new InvalidArtifactError(`${repository.location}:${referrersTag(digest)} lists more than ${MAX_REFERRERS} referrers`);
  return (index.manifests as ReferrerEntry[]).filter((entry) => typeof entry?.digest === "string" && typeof entry.size === "number");
}

/** The single layer of a referrer manifest, read and verified; undefined when it is not one of `subject` with that artifact type. */
export async function readReferrerLayer(repository: ContentRepository, referrer: ReferrerEntry, subject: string, artifactType: string): Promise<Uint8Array | undefined> {
  const manifest = JSON.parse(new TextDecoder().decode((await repository.fetchManifest(referrer.digest)).bytes)) as {
    artifactType?: unknown;
    subject?: { digest?: unknown };
    layers?: { digest?: unknown; size?: unknown }[];
  };
  const layer = manifest.layers?.[0];
  if (manifest.artifactType !== artifactType || manifest.subject?.digest !== subject || manifest.layers?.length !== 1 || !layer) return undefined;
  if (typeof layer.digest !== "string" || typeof layer.size !== "number" || layer.size > MAX_REFERRER_BLOB_BYTES) return undefined;
  return repository.fetchBlob(layer.digest, layer.size);
}

/**
 * Attaches `content` to `subject` as an OCI 1.1 referrer: an image manifest with `artifactType`,
 * the empty config, one layer and `subject`, pushed by digest, then listed in the referrers tag
 * `sha256-<hex>` for registries without the referrers API (a registry with it indexes the
 * manifest by its subject by itself). Writes nothing when the same referrer is already listed.
 */
export async function attachReferrer(
  repository: ContentRepository,
  subject: Descriptor,
  artifactType: string,
  content: { readonly mediaType: string; readonly data: Uint8Array },
  annotations: Readonly<Record<string, string>> = {},
): Promise<{ readonly descriptor: Descriptor; readonly pushed: boolean }> {
  const config = { mediaType: OCI_EMPTY_JSON, digest: sha256Digest(EMPTY_JSON), size: EMPTY_JSON.byteLength };
  const layer = { mediaType: content.mediaType, digest: sha256Digest(content.data), size: content.data.byteLength };
  const sortedAnnotations = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : 1)));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_IMAGE_MANIFEST,
    artifactType,
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(Object.keys(sortedAnnotations).length > 0 ? { annotations: sortedAnnotations } : {}),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const descriptor: ReferrerEntry = {
    mediaType: OCI_IMAGE_MANIFEST,
    digest: sha256Digest(bytes),
    size: bytes.byteLength,
    artifactType,
    ...(Object.keys(sortedAnnotations).length > 0 ? { annotations: sortedAnnotations } : {}),
  };
  const listed = await listReferrers(repository, subject.digest);
  if (listed.some((entry) => entry.digest === descriptor.digest) && (await repository.resolve(descriptor.digest))) return { descriptor, pushed: false };
  await repository.pushBlob(config, EMPTY_JSON);
  await repository.pushBlob(layer, content.data);
  await repository.pushManifest(bytes, OCI_IMAGE_MANIFEST, descriptor.digest);
  const manifests = [...listed.filter((entry) => entry.digest !== descriptor.digest), descriptor];
  const index = { schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests };
  await repository.pushManifest(new TextEncoder().encode(JSON.stringify(index)), OCI_IMAGE_INDEX, referrersTag(subject.digest));
  return { descriptor, pushed: true };
}
