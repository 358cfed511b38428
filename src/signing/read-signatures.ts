import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import { DOCKER_MANIFEST_V2, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag } from "./cosign-format.js";

/** cosign refuses signature images with more layers than this; so do we (a bound on hostile input). */
const MAX_SIGNATURE_LAYERS = 1000;
/** A simple-signing payload is a few hundred bytes; anything much larger is not one. */
const MAX_PAYLOAD_BYTES = 128 * 1024;

/** One layer of a signature image as stored: its descriptor and, when readable, its payload. */
export interface StoredSignature {
  readonly layer: Descriptor;
  /** The payload blob, verified against the layer's digest; undefined with `problem` when it could not be read. */
  readonly payload?: Uint8Array;
  /** Base64 signature from the annotation; undefined when missing. */
  readonly signature?: string;
  /** Why this layer cannot be a valid signature, when that is already known from its shape. */
  readonly problem?: string;
}

/**
 * Reads the signature image of `digest` in `repository` (tag `sha256-<hex>.sig`); undefined when
 * there is none. Every payload is fetched by its layer digest, so a payload altered in storage is
 * reported as such rather than trusted.
 */
export async function readStoredSignatures(repository: ContentRepository, digest: string): Promise<{ tag: string; signatures: StoredSignature[] } | undefined> {
  const tag = signatureTag(digest);
  const descriptor = await repository.resolve(tag);
  if (!descriptor) return undefined;
  const fetched = await repository.fetchManifest(descriptor.digest);
  const image = parseSignatureManifest(fetched.bytes, `${repository.location}:${tag}`);
  if (image.layers.length > MAX_SIGNATURE_LAYERS) throw new InvalidArtifactError(`${repository.location}:${tag} has ${image.layers.length} layers; refusing more than ${MAX_SIGNATURE_LAYERS}`);
  const signatures: StoredSignature[] = [];
  for (const layer of image.layers) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    const base = { layer, ...(signature !== undefined ? { signature } : {}) };
    if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) {
      signatures.push({ ...base, problem: `layer media type ${layer.mediaType} is not ${SIMPLE_SIGNING_MEDIA_TYPE}` });
    } else if (signature === undefined) {
      signatures.push({ ...base, problem: `layer has no ${SIGNATURE_ANNOTATION} annotation` });
    } else if (layer.size > MAX_PAYLOAD_BYTES) {
      signatures.push({ ...base, problem: `payload of ${layer.size} bytes is too large for a signature payload` });
    } else {
      try {
        signatures.push({ ...base, payload: await repository.fetchBlob(layer.digest, layer.size) });
      } catch (error) {
        signatures.push({ ...base, problem: `payload ${layer.digest} cannot be read intact (${(error as Error).message})` });
      }
    }
  }
  return { tag, signatures };
}

/** cosign writes OCI manifests, or Docker schema 2 with COSIGN_DOCKER_MEDIA_TYPES=1 (as older releases did): both are read. */
function parseSignatureManifest(bytes: Uint8Array, what: string): { layers: Descriptor[] } {
  let manifest: { schemaVersion?: unknown; mediaType?: unknown; layers?: unknown };
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new InvalidArtifactError(`${what}: the signature manifest is not JSON`);
  }
  if (manifest?.schemaVersion !== 2 || (manifest.mediaType !== OCI_IMAGE_MANIFEST && manifest.mediaType !== DOCKER_MANIFEST_V2) || !Array.isArray(manifest.layers)) {
    throw new InvalidArtifactError(`${what}: not a signature image (an OCI or Docker schema 2 image manifest)`);
  }
  if (!manifest.layers.every((layer) => typeof layer === "object" && layer !== null)) {
    throw new InvalidArtifactError(`${what}: a layer of the signature image is not a descriptor`);
  }
  return { layers: manifest.layers as Descriptor[] };
}
